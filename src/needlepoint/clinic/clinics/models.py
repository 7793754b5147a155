"""The clinic and what it owns physically: locations (each with a time zone), rooms, devices."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar, Self
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from .hours import validate_opening_hours

CURRENCY_VALIDATOR = RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO 4217 code, e.g. GBP.")
LOCALE_VALIDATOR = RegexValidator(r"^[a-z]{2,3}(-[A-Z]{2})?$", "Use a locale such as en-GB or fr-FR.")


def validate_timezone(value: str) -> None:
    if value not in _TIMEZONES:
        raise ValidationError(f"'{value}' is not an IANA time zone (e.g. Europe/London).")


_TIMEZONES = frozenset(available_timezones())


class Clinic(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    currency = models.CharField(max_length=3, default="GBP", validators=[CURRENCY_VALIDATOR])
    locale = models.CharField(max_length=10, default="en-GB", validators=[LOCALE_VALIDATOR])
    require_two_factor = models.BooleanField(
        default=False, help_text="Staff must use a TOTP authenticator to sign in."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict[str, Any]:  # used by django-auditlog
        return {"clinic_id": self.pk}


class ClinicOwnedQuerySet(models.QuerySet):
    def for_clinic(self, clinic: Clinic | int) -> Self:
        clinic_id = clinic if isinstance(clinic, int) else clinic.pk
        return self.filter(clinic_id=clinic_id)


class ClinicOwned(models.Model):
    """A row that belongs to one clinic. Queries go through `for_clinic`, and saving refuses a
    link to another clinic's row, so a bug in a view cannot join two clinics' data."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")

    objects: ClassVar[Any] = ClinicOwnedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._check_same_clinic()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        self._check_same_clinic()

    def get_additional_data(self) -> dict[str, Any]:  # used by django-auditlog
        return {"clinic_id": self.clinic_id}

    def _check_same_clinic(self) -> None:
        # Loaded related objects are compared in memory; the rest in ONE query with a scalar
        # subquery per foreign key (this runs on every save, bookings included).
        pending: list[tuple[models.ForeignKey, type[models.Model], object]] = []
        for field in self._meta.concrete_fields:
            if not isinstance(field, models.ForeignKey) or field.name == "clinic":
                continue
            model = field.related_model
            if not (isinstance(model, type) and issubclass(model, ClinicOwned)):
                continue
            value = getattr(self, field.attname)
            if value is None:
                continue
            if not field.is_cached(self):
                pending.append((field, model, value))
            elif getattr(self, field.name).clinic_id != self.clinic_id:
                raise ValidationError({field.name: "belongs to another clinic"})
        if not pending:
            return
        subqueries = {
            f"c{i}": models.Subquery(model._base_manager.filter(pk=value).order_by().values("clinic_id")[:1])
            for i, (_, model, value) in enumerate(pending)
        }
        row = Clinic.objects.filter(pk=self.clinic_id).annotate(**subqueries).values(*subqueries).first()
        for i, (field, _, _) in enumerate(pending):
            if row is None or row[f"c{i}"] != self.clinic_id:
                raise ValidationError({field.name: "belongs to another clinic"})


class Location(ClinicOwned):
    name = models.CharField(max_length=120)
    timezone = models.CharField(
        max_length=64, validators=[validate_timezone], help_text="IANA time zone, e.g. Europe/London"
    )
    address_line1 = models.CharField("address", max_length=200, blank=True)
    address_line2 = models.CharField("address (line 2)", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 code, e.g. GB")
    phone = models.CharField(max_length=40, blank=True)
    subdivision = models.CharField(
        "region", max_length=10, blank=True, help_text="State or region for public holidays, e.g. NY or SCT"
    )
    closed_on_public_holidays = models.BooleanField(
        default=False, help_text="No bookings on the public holidays of the location's country and region."
    )
    opening_hours = models.JSONField(
        default=dict,
        blank=True,
        validators=[validate_opening_hours],
        help_text='Local times per weekday, e.g. {"mon": [["09:00", "17:30"]], "sat": []}',
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["clinic", "name"], name="location_unique_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def holiday_country(self) -> str:
        """The country whose public holidays apply: the location's, else the clinic's locale's."""
        if self.country:
            return self.country.upper()
        locale = self.clinic.locale if self.clinic_id else ""
        return locale.split("-")[1] if "-" in locale else ""


class Room(ClinicOwned):
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(max_length=80)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["location__name", "name"]
        constraints = [models.UniqueConstraint(fields=["location", "name"], name="room_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.location.name})"


class DeviceKind(models.TextChoices):
    PEN = "pen", "Microneedling pen (adjustable depth)"
    ROLLER = "roller", "Roller (fixed needle length)"
    STAMP = "stamp", "Stamp"


class Device(ClinicOwned):
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="devices")
    name = models.CharField(max_length=80, help_text="What staff call it, e.g. 'Pen 2'")
    make = models.CharField(max_length=80)
    model = models.CharField(max_length=80)
    kind = models.CharField(max_length=10, choices=DeviceKind.choices, default=DeviceKind.PEN)
    max_depth_mm = models.DecimalField(
        "maximum needle depth (mm)",
        max_digits=3,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal("3.00"))],
        help_text="For a roller: its fixed needle length.",
    )
    serial_number = models.CharField(max_length=80, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["location__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="device_unique_name"),
            models.CheckConstraint(
                condition=models.Q(max_depth_mm__gte=Decimal("0.25"))
                & models.Q(max_depth_mm__lte=Decimal("3.00")),
                name="device_depth_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.make} {self.model} ({self.max_depth_mm} mm)"


class Closure(ClinicOwned):
    """The clinic's own closure: one location (or every location when blank) over a range of
    local dates, all day or between two local times each day. Availability, the series search
    and booking treat it like time off for everyone at the location."""

    location = models.ForeignKey(
        Location,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="closures",
        help_text="Leave blank to close every location.",
    )
    first_day = models.DateField("from")
    last_day = models.DateField("until (inclusive)")
    start_time = models.TimeField("closed from", null=True, blank=True, help_text="Leave blank for all day.")
    end_time = models.TimeField("closed until", null=True, blank=True)
    reason = models.CharField(max_length=120)

    class Meta:
        ordering = ["first_day", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_day__gte=models.F("first_day")), name="closure_range"
            ),
            models.CheckConstraint(
                condition=(models.Q(start_time__isnull=True) & models.Q(end_time__isnull=True))
                | (
                    models.Q(start_time__isnull=False)
                    & models.Q(end_time__isnull=False)
                    & models.Q(end_time__gt=models.F("start_time"))
                ),
                name="closure_times",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reason} ({self.first_day}–{self.last_day})"

    def clean(self) -> None:
        super().clean()
        if self.first_day and self.last_day and self.last_day < self.first_day:
            raise ValidationError({"last_day": "The last day is before the first."})
        if self.first_day and self.last_day and (self.last_day - self.first_day).days > 366:
            raise ValidationError({"last_day": "A closure lasts at most a year."})
        if (self.start_time is None) != (self.end_time is None):
            raise ValidationError("Give both times for a partial-day closure, or neither for all day.")
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            raise ValidationError({"end_time": "The closing period must end after it starts."})
