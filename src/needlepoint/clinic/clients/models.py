"""Clients (patients) of a clinic. Everything here is PHI: reads are audit-logged."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower

from needlepoint import clock
from needlepoint.clinic.clinics.models import Clinic, ClinicOwned, Location

from . import identity, phones


class Fitzpatrick(models.IntegerChoices):
    I = 1, "I — always burns, never tans"  # noqa: E741
    II = 2, "II — usually burns, tans with difficulty"
    III = 3, "III — sometimes burns, tans gradually"
    IV = 4, "IV — rarely burns, tans easily"
    V = 5, "V — very rarely burns, tans very easily"
    VI = 6, "VI — never burns, deeply pigmented"


class Client(ClinicOwned):
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    email = models.EmailField(blank=True)
    phone = models.CharField(
        max_length=40,
        blank=True,
        help_text="Stored in E.164 (+447700900123); typed without a country code, the clinic's country.",
    )
    fitzpatrick = models.PositiveSmallIntegerField(
        "Fitzpatrick skin type",
        choices=Fitzpatrick.choices,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(6)],
    )
    preferred_location = models.ForeignKey(
        Location, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    consent_email = models.BooleanField("may receive email", default=False)
    consent_sms = models.BooleanField("may receive text messages", default=False)
    consent_updated_at = models.DateTimeField(null=True, blank=True)
    is_archived = models.BooleanField(default=False)
    #: Set when this record was a duplicate merged into another (it stays, archived).
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    #: identity.name_key(first_name, last_name): finds "Zoë O'Brien" as "zoe obrien".
    name_key = models.CharField(max_length=200, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["clinic", "last_name", "first_name"]),
            models.Index(fields=["clinic", "name_key", "date_of_birth"], name="client_name_dob"),
            models.Index(fields=["clinic", "phone"], name="client_phone"),
            models.Index("clinic", Lower("email"), name="client_email_ci"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fitzpatrick__isnull=True)
                | models.Q(fitzpatrick__gte=1, fitzpatrick__lte=6),
                name="client_fitzpatrick_1_6",
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    def clean(self) -> None:
        """The date of birth is plausible and the phone is a real number, stored in E.164 (the
        one home of both rules: forms, the API and services all run it through full_clean)."""
        super().clean()
        errors: dict[str, str] = {}
        today = clinic_today(self.clinic_id) if self.clinic_id is not None else None
        if today is not None and (problem := identity.dob_problem(self.date_of_birth, today)):
            errors["date_of_birth"] = problem
        if self.phone and self.clinic_id is not None:
            try:
                self.phone = phones.to_e164(self.phone, phones.default_region(self.clinic))
            except phones.InvalidPhone as exc:
                errors["phone"] = str(exc)
        if errors:
            raise ValidationError(errors)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_key = identity.name_key(self.first_name, self.last_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"first_name", "last_name"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "name_key"}
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def age_on(self, day: date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def clinic_today(clinic: Clinic | int) -> date:
    """The clinic's local date: in the zone of its first active location (by id, as the staff
    pages' clinic_tz), else UTC."""
    clinic_id = clinic if isinstance(clinic, int) else clinic.pk
    zone = (
        Location.objects.for_clinic(clinic_id)
        .filter(is_active=True)
        .order_by("pk")
        .values_list("timezone", flat=True)
        .first()
    )
    return clock.today(zone or "UTC")
