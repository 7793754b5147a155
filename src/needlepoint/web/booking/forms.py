"""Forms for booking: series search, moving, cancelling, waitlist, rota set-up."""

from __future__ import annotations

from datetime import time
from typing import Any, cast
from zoneinfo import ZoneInfo

from django import forms

from needlepoint import clock
from needlepoint import scheduling as eng
from needlepoint.clinic.accounts.models import Membership, Role
from needlepoint.clinic.booking.models import (
    AppointmentType,
    BookingPolicy,
    ShiftException,
    TimeOff,
    WaitlistEntry,
    WeeklyShift,
)
from needlepoint.clinic.booking.rota import ShiftSpec, find_overlap
from needlepoint.clinic.booking.services import series_problems
from needlepoint.clinic.clinics.models import Clinic, Location
from needlepoint.clinic.errors import DomainError
from needlepoint.protocol import default_protocol
from needlepoint.web.errors import apply_to_form
from needlepoint.web.forms import DATE, DATETIME, TIME, ClinicScopedForm, HardenedForm, HardenedModelForm

WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]
# The protocol's shortest interval anywhere (scalp); the plan's own floor applies when booking a plan.
MIN_GAP_DAYS = 7


def protocol_courses() -> list[tuple[str, str, dict[str, int]]]:
    """(key, label, course) for each indication (and severity grade) in the protocol data, so
    the booking form offers exactly the intervals the engine uses."""
    out = []
    for key, spec in default_protocol().data.indications.items():
        course = spec.course
        out.append((key, f"{spec.name}: {course.label}", _course(course)))
        for grade, graded in (getattr(spec, "by_grade", None) or {}).items():
            out.append((f"{key}:{grade}", f"{spec.name}, grade {grade}: {graded.label}", _course(graded)))
    return out


def _course(c: Any) -> dict[str, int]:
    return {
        "sessions": c.sessions_min,
        "gap_min_days": c.interval_min_days,
        "gap_max_days": c.interval_max_days,
    }


def _practitioners(clinic: Clinic) -> Any:
    return (
        Membership.objects.for_clinic(clinic)
        .filter(role=Role.PRACTITIONER, is_active=True)
        .select_related("user")
    )


class SeriesSearchForm(HardenedForm):
    appointment_type = forms.ModelChoiceField(queryset=AppointmentType.objects.none())
    sessions = forms.IntegerField(min_value=1, max_value=12, initial=4)
    first_earliest = forms.DateField(
        label="First session from", widget=DATE
    )
    first_latest = forms.DateField(
        label="First session by", widget=DATE
    )
    gap_min_days = forms.IntegerField(
        label="Days between sessions: at least", min_value=MIN_GAP_DAYS, initial=28
    )
    gap_max_days = forms.IntegerField(label="at most", min_value=MIN_GAP_DAYS, max_value=366, initial=42)
    location = forms.ModelChoiceField(
        queryset=Location.objects.none(), required=False, empty_label="Any location"
    )
    same_practitioner = forms.ChoiceField(
        choices=[
            ("soft", "Prefer the same practitioner"),
            ("hard", "Must be the same practitioner"),
            ("none", "Any practitioner"),
        ],
        initial="soft",
    )
    practitioner = forms.ModelChoiceField(
        queryset=Membership.objects.none(), required=False, empty_label="No preference"
    )
    weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Preferred days",
    )
    time_of_day = forms.ChoiceField(
        choices=[
            ("", "Any time"),
            ("morning", "Morning"),
            ("afternoon", "Afternoon"),
            ("evening", "Evening"),
        ],
        required=False,
        label="Preferred time",
    )
    arrival_at = forms.TimeField(
        required=False,
        widget=TIME,
        label="Preferred arrival",
        help_text="Options arriving at this local time come first (e.g. the slot picked on the calendar).",
    )

    def __init__(self, *args: Any, clinic: Clinic, windows: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.windows = windows
        if windows is not None:
            # Booking a confirmed plan: its series is fixed by the plan (change the plan instead).
            for name in ("sessions", "gap_min_days", "gap_max_days", "first_earliest", "first_latest"):
                self.fields[name].disabled = True
                self.fields[name].help_text = "From the treatment plan."
        self.fields["appointment_type"].queryset = AppointmentType.objects.for_clinic(clinic).filter(  # type: ignore[attr-defined]
            is_active=True
        )
        self.fields["location"].queryset = Location.objects.for_clinic(clinic).filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["practitioner"].queryset = _practitioners(clinic)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        # The series' rules live with SeriesSpec (the API uses the same); asked here only to show
        # every problem at once. "Not in the past" needs the location's clock: the search says it.
        data = super().clean() or {}
        names = ("sessions", "first_earliest", "first_latest", "gap_min_days", "gap_max_days")
        problems = series_problems(**{n: data.get(n) for n in names})
        for name, messages in problems.items():
            if name not in self.errors:
                for message in messages:
                    self.add_error(name, message)
        kind, plan = data.get("appointment_type"), self.windows
        if kind is not None and plan is not None:
            for problem in plan.type_problems(kind.duration_minutes, kind.numbing_minutes):
                self.add_error("appointment_type", problem)
        return data

    def preferences(self) -> eng.Preferences:
        d = self.cleaned_data
        return eng.Preferences(
            same_practitioner=eng.SamePractitioner(d["same_practitioner"]),
            practitioner_id=str(d["practitioner"].pk) if d.get("practitioner") else None,
            weekdays=frozenset(d.get("weekdays") or ()),
            time_of_day=_arrival_range(d["arrival_at"])
            if d.get("arrival_at")
            else (eng.TimeOfDay(d["time_of_day"]) if d.get("time_of_day") else None),
            location_id=str(d["location"].pk) if d.get("location") else None,
        )


def _arrival_range(at: time) -> eng.LocalTimeRange:
    """A preferred arrival time as the engine's time-of-day range (the slot it starts)."""
    minutes = min(at.hour * 60 + at.minute + 15, 24 * 60 - 1)
    return eng.LocalTimeRange(at, time(minutes // 60, minutes % 60))


class MoveForm(HardenedForm):
    new_date = forms.DateField(
        widget=DATE, label="New date"
    )
    new_time = forms.TimeField(
        widget=forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M"),
        label="Treatment start (local time)",
    )
    practitioner = forms.ModelChoiceField(
        queryset=Membership.objects.none(), required=False, empty_label="Keep if free"
    )
    apply_repair = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = _practitioners(clinic)  # type: ignore[attr-defined]


class CancelForm(HardenedForm):
    """The waive box is shown to owners only (the template); cancel_appointment refuses anyone
    else who sends it."""

    reason = forms.CharField(max_length=200, required=True)
    waive_fee = forms.BooleanField(required=False, label="Waive the late-cancellation fee")


def refuse(form: forms.BaseForm, exc: Exception) -> int:
    """Put a booking service's refusal on `form`; returns the HTTP status for the page."""
    if isinstance(exc, DomainError):
        apply_to_form(cast(forms.Form, form), exc)  # ModelForms too: they share the API used
        return exc.status
    form.add_error(None, str(exc))
    return int(getattr(exc, "status_code", 400))


class WaitlistForm(ClinicScopedForm):
    class Meta:
        model = WaitlistEntry
        fields = ["appointment_type", "location", "practitioner", "earliest", "latest"]
        widgets = {
            "earliest": DATE,
            "latest": DATE,
        }


class AppointmentTypeForm(ClinicScopedForm):
    class Meta:
        model = AppointmentType
        fields = [
            "name",
            "duration_minutes",
            "numbing_minutes",
            "numbing_place",
            "cleaning_minutes",
            "practitioner_cleans",
            "device_kind",
            "min_depth_mm",
            "is_active",
        ]


class WeeklyShiftForm(ClinicScopedForm):
    class Meta:
        model = WeeklyShift
        fields = ["practitioner", "location", "weekday", "start", "end"]
        widgets = {
            "start": TIME,
            "end": TIME,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", "The shift must end after it starts (split shifts that cross midnight).")
        elif all(data.get(k) is not None for k in ("practitioner", "location", "weekday", "start", "end")):
            # One person, one place at a time (clinic/booking/rota.py; WeeklyShift.save refuses too).
            shift = ShiftSpec(int(data["weekday"]), data["location"], data["start"], data["end"])
            others = list(
                WeeklyShift.objects.filter(practitioner=data["practitioner"])
                .exclude(pk=self.instance.pk)
                .select_related("location")
            )
            if problem := find_overlap([*others, shift], now=clock.now(), involving=shift):
                self.add_error("start", problem.message)
        return data


class ShiftExceptionForm(ClinicScopedForm):
    class Meta:
        model = ShiftException
        fields = ["practitioner", "location", "date", "start", "end", "note"]
        widgets = {
            "date": DATE,
            "start": TIME,
            "end": TIME,
        }
        help_texts = {"start": "Leave start and end empty for a day off."}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if (start is None) != (end is None):
            self.add_error("end", "Give both start and end for extra hours, or neither for a day off.")
        elif start and end and end <= start:
            self.add_error("end", "Must be after the start.")
        return data


class TimeOffForm(ClinicScopedForm):
    class Meta:
        model = TimeOff
        fields = ["practitioner", "start", "end", "reason"]
        widgets = {
            "start": DATETIME,
            "end": DATETIME,
        }
        help_texts = {"start": "Local time of the practitioner's first location."}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        practitioner = data.get("practitioner")
        if practitioner is not None:
            # The browser sends wall-clock time; read it in the practitioner's own zone.
            location = practitioner.locations.order_by("pk").first()
            zone = ZoneInfo(location.timezone if location else "UTC")
            for name in ("start", "end"):
                if data.get(name):
                    data[name] = data[name].replace(tzinfo=None).replace(tzinfo=zone)
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", "Must be after the start.")
        return data


class BookingPolicyForm(HardenedModelForm):
    class Meta:
        model = BookingPolicy
        fields = [
            "lead_time_minutes",
            "horizon_days",
            "slot_step_minutes",
            "cancellation_notice_hours",
            "late_cancellation_fee",
            "waitlist_offer_hours",
        ]

    def clean_slot_step_minutes(self) -> int:
        value: int = self.cleaned_data["slot_step_minutes"]
        if value <= 0 or (12 * 60) % value:
            raise forms.ValidationError("Use a step that divides 12 hours evenly (5, 10, 15, 20, 30 or 60).")
        return value
