"""Bookings. Times are aware UTC instants; working hours are local wall-clock rules per location.

An appointment stores, besides its treatment start/end, the interval each resource is busy
(practitioner, room, device), computed from its type's buffers by the scheduling engine. The
database refuses two active appointments whose busy intervals overlap on the same resource:
PostgreSQL with exclusion constraints (migration 0002), SQLite through the serialising write
transaction in services.book (see there).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from decimal import Decimal
from typing import Any, ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from needlepoint import clock
from needlepoint.clinic.accounts.models import Membership
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import (
    Clinic,
    ClinicOwned,
    ClinicOwnedQuerySet,
    Device,
    DeviceKind,
    Location,
    Room,
)

from . import rota

#: Every appointment's busy hull is at most this long (see Meta.constraints); loading a window's
#: calendars and the conflict re-check rely on the bound.
MAX_BUSY_SPAN = timedelta(hours=24)

#: Upper bound of the policy's hour and minute settings: a year.
HOURS_PER_YEAR = 8760


class NumbingPlace(models.TextChoices):
    ROOM = "room", "In the treatment room (room is occupied while numbing)"
    WAITING_AREA = "waiting_area", "In the waiting area (room is free while numbing)"


class AppointmentType(ClinicOwned):
    name = models.CharField(max_length=120)
    duration_minutes = models.PositiveSmallIntegerField(
        default=60, validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    numbing_minutes = models.PositiveSmallIntegerField(
        default=45,
        validators=[MaxValueValidator(120)],
        help_text="Topical anaesthetic time before the treatment starts (protocol default 45).",
    )
    numbing_place = models.CharField(max_length=20, choices=NumbingPlace.choices, default=NumbingPlace.ROOM)
    cleaning_minutes = models.PositiveSmallIntegerField(default=15, validators=[MaxValueValidator(120)])
    practitioner_cleans = models.BooleanField(
        default=True, help_text="The practitioner turns the room over (busy during cleaning)."
    )
    device_kind = models.CharField(
        max_length=10, choices=DeviceKind.choices, blank=True, help_text="Blank: no device needed."
    )
    min_depth_mm = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Only devices reaching at least this depth qualify.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="appointment_type_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)


class BookingPolicy(ClinicOwned):
    """One per clinic: how far ahead and how late clients may book, and the cancellation rule."""

    # Bounded so that `start - timedelta(...)` can never overflow (issue 21: a notice of
    # 999999999999 hours was accepted, then every cancellation failed).
    lead_time_minutes = models.PositiveIntegerField(
        default=120, validators=[MaxValueValidator(HOURS_PER_YEAR * 60)]
    )
    horizon_days = models.PositiveIntegerField(default=365, validators=[MaxValueValidator(1100)])
    slot_step_minutes = models.PositiveSmallIntegerField(
        default=15, validators=[MinValueValidator(5), MaxValueValidator(60)]
    )
    cancellation_notice_hours = models.PositiveIntegerField(
        default=48, validators=[MaxValueValidator(HOURS_PER_YEAR)]
    )
    late_cancellation_fee = models.DecimalField(
        max_digits=8, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))]
    )
    waitlist_offer_hours = models.PositiveIntegerField(
        default=12,
        validators=[MaxValueValidator(HOURS_PER_YEAR)],
        help_text="How long a freed slot is held for a waitlisted client.",
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic"], name="one_booking_policy_per_clinic")]

    def __str__(self) -> str:
        return f"Booking policy of {self.clinic}"


class WeeklyShift(ClinicOwned):
    """A practitioner works at a location every `weekday` from `start` to `end`, local time."""

    practitioner = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="weekly_shifts")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    weekday = models.PositiveSmallIntegerField(
        choices=[
            (0, "Monday"),
            (1, "Tuesday"),
            (2, "Wednesday"),
            (3, "Thursday"),
            (4, "Friday"),
            (5, "Saturday"),
            (6, "Sunday"),
        ]
    )
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["practitioner", "weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="shift_end_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.practitioner.name}: {self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """The last line for the one-place-at-a-time rule (``rota.py``): whatever path saves a
        shift, it is refused (``RotaOverlap``) if it overlaps another of the practitioner's."""
        others = list(
            WeeklyShift.objects.filter(practitioner_id=self.practitioner_id)
            .exclude(pk=self.pk)
            .select_related("location")
        )
        rota.check_rota([*others, self], now=clock.now(), involving=self)
        super().save(*args, **kwargs)


class ShiftException(ClinicOwned):
    """On one local date: extra hours (`start`–`end`), or the day off (no times)."""

    practitioner = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="shift_exceptions")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    start = models.TimeField(null=True, blank=True)
    end = models.TimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(start__isnull=True) & Q(end__isnull=True))
                | (Q(start__isnull=False) & Q(end__gt=models.F("start"))),
                name="exception_is_day_off_or_interval",
            )
        ]

    @property
    def is_day_off(self) -> bool:
        return self.start is None


class TimeOff(ClinicOwned):
    practitioner = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="time_off")
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="time_off_end_after_start")
        ]


class SeriesStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class Series(ClinicOwned):
    """A course of sessions booked together, with the interval rules every session must keep."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="series")
    appointment_type = models.ForeignKey(
        AppointmentType, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    sessions = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(12)])
    first_earliest = models.DateField()
    first_latest = models.DateField()
    gap_min_days = models.PositiveSmallIntegerField()
    gap_max_days = models.PositiveSmallIntegerField()
    source = models.CharField(
        max_length=200, blank=True, help_text="Where the windows came from (protocol, plan)."
    )
    plan = models.ForeignKey(
        "plans.TreatmentPlan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="series",
        help_text="The confirmed treatment plan this course carries out (its consent gates treatment).",
    )
    preferences = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=12, choices=SeriesStatus.choices, default=SeriesStatus.ACTIVE)
    created_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "series"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(gap_max_days__gte=models.F("gap_min_days")), name="series_gap_order"
            ),
            models.CheckConstraint(
                condition=Q(first_latest__gte=models.F("first_earliest")), name="series_first_window_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sessions} × {self.appointment_type} for {self.client}"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    CHECKED_IN = "checked_in", "Checked in"
    COMPLETED = "completed", "Completed"
    NO_SHOW = "no_show", "No-show"
    CANCELLED = "cancelled", "Cancelled"


# Every status but cancelled holds its resources (a no-show still used the practitioner's time).
ACTIVE_STATUSES = [s.value for s in AppointmentStatus if s != AppointmentStatus.CANCELLED]


class AppointmentQuerySet(ClinicOwnedQuerySet):
    def active(self) -> AppointmentQuerySet:
        return self.exclude(status=AppointmentStatus.CANCELLED)

    def overlapping(self, start: object, end: object) -> AppointmentQuerySet:
        """Active appointments any of whose resources is busy within [start, end)."""
        return self.active().filter(busy_start__lt=end, busy_end__gt=start)


class Appointment(ClinicOwned):
    # The composite indexes in Meta start with these columns, so the per-column indexes Django
    # would add to each foreign key are redundant: on this hot table they cost every insert
    # and mislead the planner away from the (clinic, busy_start) range scan.
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+", db_index=False)
    series = models.ForeignKey(
        Series, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    series_index = models.PositiveSmallIntegerField(null=True, blank=True)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="appointments", db_index=False)
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+", db_index=False)
    practitioner = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="appointments", db_index=False
    )
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="appointments", db_index=False)
    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments", db_index=False
    )
    start = models.DateTimeField(help_text="Treatment start (UTC)")
    end = models.DateTimeField(help_text="Treatment end (UTC)")
    arrival = models.DateTimeField(help_text="Client arrives to numb (UTC)")
    practitioner_start = models.DateTimeField()
    practitioner_end = models.DateTimeField()
    room_start = models.DateTimeField()
    room_end = models.DateTimeField()
    device_start = models.DateTimeField(null=True, blank=True)
    device_end = models.DateTimeField(null=True, blank=True)
    # The hull of all busy intervals: one indexed range to find candidates for any overlap.
    busy_start = models.DateTimeField()
    busy_end = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancellation_reason = models.CharField(max_length=200, blank=True)
    late_cancellation = models.BooleanField(default=False)
    fee_due = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    notes = models.TextField(blank=True)
    ics_uid = models.CharField(max_length=64, unique=True, editable=False)
    # iCalendar SEQUENCE: bumped on every move or cancellation so calendar apps take the update.
    sequence = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[Any] = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        indexes = [
            models.Index(fields=["practitioner", "practitioner_start"], name="appt_practitioner_time"),
            models.Index(fields=["room", "room_start"], name="appt_room_time"),
            models.Index(fields=["device", "device_start"], name="appt_device_time"),
            models.Index(fields=["clinic", "busy_start"], name="appt_clinic_busy"),
            models.Index(fields=["location", "start"], name="appt_location_time"),
            models.Index(fields=["client", "busy_start"], name="appt_client_time"),
            models.Index(fields=["updated_at"], name="appt_changed"),  # booking.snapshot_cache refreshes
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="appt_end_after_start"),
            # Loading a window's calendars relies on this bound (see engine.MAX_BUSY_SPAN).
            models.CheckConstraint(
                condition=Q(busy_end__lte=models.F("busy_start") + timedelta(hours=24))
                & Q(busy_end__gt=models.F("busy_start")),
                name="appt_busy_span_at_most_a_day",
            ),
            models.CheckConstraint(
                condition=Q(practitioner_end__gt=models.F("practitioner_start"))
                & Q(room_end__gt=models.F("room_start")),
                name="appt_busy_intervals_ordered",
            ),
            models.CheckConstraint(
                condition=(Q(device__isnull=True) & Q(device_start__isnull=True))
                | (Q(device__isnull=False) & Q(device_end__gt=models.F("device_start"))),
                name="appt_device_interval_matches_device",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} with {self.practitioner.name} at {self.start:%Y-%m-%d %H:%M} UTC"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self.ics_uid:
            self.ics_uid = secrets.token_hex(16)
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        return self.status != AppointmentStatus.CANCELLED


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    OFFERED = "offered", "Offered a slot"
    BOOKED = "booked", "Booked"
    WITHDRAWN = "withdrawn", "Withdrawn"


class WaitlistEntry(ClinicOwned):
    """A client who wants an earlier (or any) slot in a date range; offered freed slots in order."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="waitlist_entries")
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    practitioner = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    earliest = models.DateField()
    latest = models.DateField()
    replaces = models.ForeignKey(
        Appointment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The booked appointment this client would move from, if any.",
    )
    status = models.CharField(max_length=12, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING)
    offered_start = models.DateTimeField(null=True, blank=True)
    offered_practitioner = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    offered_room = models.ForeignKey(Room, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    offered_device = models.ForeignKey(
        Device, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    offered_from = models.ForeignKey(
        Appointment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The cancelled appointment whose slot is on offer.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name_plural = "waitlist entries"
        constraints = [
            models.CheckConstraint(condition=Q(latest__gte=models.F("earliest")), name="waitlist_range")
        ]


class CalendarFeed(ClinicOwned):
    """A secret URL from which a practitioner's calendar app reads their appointments (.ics)."""

    practitioner = models.OneToOneField(Membership, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    @classmethod
    def new_token(cls) -> str:
        return secrets.token_urlsafe(32)
