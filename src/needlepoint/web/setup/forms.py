"""Clinic set-up forms: locations, rooms, devices, clinic settings, staff. Choice fields that
point at clinic-owned rows only offer the active clinic's (ClinicScopedForm)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from itertools import pairwise
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from needlepoint.clinic.accounts.models import Membership, Role
from needlepoint.clinic.clinics.hours import WEEKDAYS, validate_opening_hours
from needlepoint.clinic.clinics.models import Clinic, Device, Location, Room
from needlepoint.web.forms import TIME, ClinicScopedForm, HardenedForm, HardenedModelForm

from .choices import currency_choices, timezone_choices, with_current

DAY_NAMES = dict(
    zip(WEEKDAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"), strict=True)
)
#: A new location's hours until the owner changes them: weekdays 9 to 5, closed at weekends.
DEFAULT_HOURS = {day: [["09:00", "17:00"]] for day in WEEKDAYS[:5]}
#: Open/close ranges per day on the grid (more when a location already has more).
RANGES_PER_DAY = 2
TIME_ERRORS = {"invalid": "Enter a time like 09:00."}


@dataclass(frozen=True)
class HoursRow:
    """One weekday of the opening-hours grid, for the template."""

    key: str
    label: str
    closed: forms.BoundField
    ranges: list[tuple[forms.BoundField, forms.BoundField]]
    errors: list[str]


def _hours_field(day: str, kind: str, n: int) -> str:
    return f"hours_{day}_{kind}_{n}"


class LocationForm(ClinicScopedForm):
    """A location, its zone from a select of every IANA zone, and its opening hours as a week
    of time inputs (a Closed box and up to two open/close ranges a day). Stored as before:
    {"mon": [["09:00", "17:00"]], …}, closed days left out."""

    timezone = forms.ChoiceField(
        label="Time zone",
        widget=forms.Select(attrs={"data-filter": "time zones"}),
        error_messages={"invalid_choice": "'%(value)s' is not an IANA time zone (e.g. Europe/London)."},
        help_text="Where the location is: its opening hours, rota and appointments are in this zone.",
    )

    class Meta:
        model = Location
        fields = [
            "name",
            "timezone",
            "address_line1",
            "address_line2",
            "city",
            "postcode",
            "country",
            "phone",
            "is_active",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zone = self.fields["timezone"]
        assert isinstance(zone, forms.ChoiceField)
        zone.choices = with_current(timezone_choices(), self.instance.timezone)
        if not self.instance.pk:
            zone.initial = "Europe/London"
        self._plain = list(self.fields)  # the grid's fields are added below
        hours: dict[str, list[list[str]]] = self.instance.opening_hours if self.instance.pk else DEFAULT_HOURS
        hours = hours if isinstance(hours, dict) else {}
        self.ranges_per_day = max([RANGES_PER_DAY, *(len(v or []) for v in hours.values())])
        for day in WEEKDAYS:
            intervals = hours.get(day) or []
            name = DAY_NAMES[day]
            self.fields[f"hours_{day}_closed"] = forms.BooleanField(
                required=False, label=f"{name}: closed", initial=not intervals
            )
            for n in range(1, self.ranges_per_day + 1):
                pair = intervals[n - 1] if n <= len(intervals) else [None, None]
                again = " again" if n > 1 else ""
                self.fields[_hours_field(day, "open", n)] = forms.TimeField(
                    required=False, widget=TIME, label=f"{name}: opens{again}", initial=pair[0],
                    error_messages=TIME_ERRORS,
                )
                self.fields[_hours_field(day, "close", n)] = forms.TimeField(
                    required=False, widget=TIME, label=f"{name}: closes{again}", initial=pair[1],
                    error_messages=TIME_ERRORS,
                )

    def plain_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self._plain]

    def hours_rows(self) -> list[HoursRow]:
        rows = []
        for day in WEEKDAYS:
            slots = range(1, self.ranges_per_day + 1)
            names = [f"hours_{day}_closed"]
            names += [_hours_field(day, k, n) for n in slots for k in ("open", "close")]
            errors = [str(e) for name in names for e in self.errors.get(name, [])]
            rows.append(
                HoursRow(
                    key=day,
                    label=DAY_NAMES[day],
                    closed=self[f"hours_{day}_closed"],
                    ranges=[
                        (self[_hours_field(day, "open", n)], self[_hours_field(day, "close", n)])
                        for n in range(1, self.ranges_per_day + 1)
                    ],
                    errors=errors,
                )
            )
        return rows

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        hours: dict[str, list[list[str]]] = {}
        for day in WEEKDAYS:
            if data.get(f"hours_{day}_closed"):
                continue  # Closed wins: times typed on a closed day are not kept
            if ranges := self._day_ranges(day, data):
                hours[day] = [[f"{a:%H:%M}", f"{b:%H:%M}"] for a, b in ranges]
        self.cleaned_data["opening_hours"] = hours
        if not self.errors:
            try:
                validate_opening_hours(hours)  # the model's own rule, as a last check
            except ValidationError as exc:
                self.add_error(None, exc)
            self.instance.opening_hours = hours
        return data

    def _day_ranges(self, day: str, data: dict[str, Any]) -> list[tuple[time, time]] | None:
        """The day's ranges in order, or None after putting an error on the field at fault."""
        label = DAY_NAMES[day]
        ranges: list[tuple[time, time, str]] = []
        failed = False
        for n in range(1, self.ranges_per_day + 1):
            open_name, close_name = _hours_field(day, "open", n), _hours_field(day, "close", n)
            if open_name in self.errors or close_name in self.errors:
                failed = True  # not a time: its own message is already there
                continue
            opens, closes = data.get(open_name), data.get(close_name)
            if opens is None and closes is None:
                continue
            if opens is None:
                self.add_error(open_name, f"{label}: give the opening time too, or clear {closes:%H:%M}.")
            elif closes is None:
                self.add_error(close_name, f"{label}: give the closing time too, or clear {opens:%H:%M}.")
            elif closes <= opens:
                self.add_error(
                    close_name, f"{label}: closing time {closes:%H:%M} is not after opening {opens:%H:%M}."
                )
            else:
                ranges.append((opens, closes, open_name))
                continue
            failed = True
        if failed:
            return None
        if not ranges:
            self.add_error(
                _hours_field(day, "open", 1), f"{label}: give the opening hours, or tick Closed."
            )
            return None
        ranges.sort()
        for (a, b, _), (opens, closes, open_name) in pairwise(ranges):
            if opens < b:
                overlap = f"{opens:%H:%M}–{closes:%H:%M} overlaps {a:%H:%M}–{b:%H:%M}"
                self.add_error(open_name, f"{label}: {overlap}.")
                return None
        return [(a, b) for a, b, _ in ranges]


class RoomForm(ClinicScopedForm):
    class Meta:
        model = Room
        fields = ["location", "name", "is_active"]


class DeviceForm(ClinicScopedForm):
    class Meta:
        model = Device
        fields = ["location", "name", "make", "model", "kind", "max_depth_mm", "serial_number", "is_active"]


class ClinicSettingsForm(HardenedModelForm):
    currency = forms.ChoiceField(
        widget=forms.Select(attrs={"data-filter": "currencies"}),
        error_messages={
            "invalid_choice": "'%(value)s' is not an ISO 4217 currency code: choose one from the list."
        },
        help_text="Prices, fees and payments are in this currency.",
    )

    class Meta:
        model = Clinic
        fields = ["name", "currency", "locale", "require_two_factor"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        currency = self.fields["currency"]
        assert isinstance(currency, forms.ChoiceField)
        currency.choices = with_current(currency_choices(), self.instance.currency)


class MembershipForm(ClinicScopedForm):
    class Meta:
        model = Membership
        fields = ["role", "display_name", "locations", "is_active"]
        widgets = {"locations": forms.CheckboxSelectMultiple}


class InviteForm(HardenedForm):
    """Who to invite and as what; the rest happens when they accept."""

    email = forms.EmailField(help_text="They receive a link to accept, valid for 7 days.")
    role = forms.ChoiceField(choices=Role.choices)


class AcceptInvitationForm(HardenedForm):
    """A new person's account, created when they accept an invitation."""

    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters.",
        strip=False,
    )


ROLE_CHOICES = Role.choices
