"""The owner's set-up pages: clinic settings, locations, rooms, devices (staff: staff.py)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from needlepoint.clinic.booking.engine import policy_for
from needlepoint.clinic.booking.models import AppointmentType, ShiftException, TimeOff, WeeklyShift
from needlepoint.clinic.clinics.hours import format_opening_hours
from needlepoint.clinic.clinics.models import Device, Location, Room
from needlepoint.web.access import OWNER_ONLY, clinic_of, staff_view
from needlepoint.web.booking import forms as booking_forms
from needlepoint.web.reauth import require_recent_auth

from . import forms
from .crud import Column, ScopedCrud


@staff_view(*OWNER_ONLY)
@require_recent_auth  # holds the clinic's two-factor policy
def clinic_settings(request: HttpRequest) -> HttpResponse:
    form = forms.ClinicSettingsForm(request.POST or None, instance=clinic_of(request))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Clinic settings saved.")
        return redirect("clinic-settings")
    return render(request, "setup/clinic.html", {"form": form}, status=400 if form.errors else 200)


@staff_view(*OWNER_ONLY)
def booking_policy(request: HttpRequest) -> HttpResponse:
    policy = policy_for(clinic_of(request))
    form = booking_forms.BookingPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Booking policy saved.")
        return redirect("booking-policy")
    return render(request, "setup/booking_policy.html", {"form": form}, status=400 if form.errors else 200)


_NUMBING_PLACE = {"room": "in the room", "waiting_area": "in the waiting area"}


def _minutes(value: int) -> str:
    return f"{value} min"


def _hours(loc: Location) -> str:
    return "; ".join(f"{d} {t}" for d, t in format_opening_hours(loc.opening_hours) if t != "closed")


# Columns several tables show the same way.
NAME = Column("Name", lambda o: o.name)
LOCATION = Column("Location", lambda o: o.location.name)
PRACTITIONER = Column("Practitioner", lambda o: o.practitioner.name)
ACTIVE = Column("Active", lambda o: "yes" if o.is_active else "no")

TABLES = [
    ScopedCrud(
        "locations",
        "Locations",
        Location,
        forms.LocationForm,
        [
            NAME,
            Column("Time zone", lambda o: o.timezone),
            Column("City", lambda o: o.city),
            Column("Opening hours", _hours),
            ACTIVE,
        ],
        form_template="setup/location_form.html",
    ),
    ScopedCrud(
        "rooms",
        "Rooms",
        Room,
        forms.RoomForm,
        [
            NAME,
            LOCATION,
            ACTIVE,
        ],
        select_related=("location",),
    ),
    ScopedCrud(
        "devices",
        "Devices",
        Device,
        forms.DeviceForm,
        [
            NAME,
            Column("Make / model", lambda o: f"{o.make} {o.model}"),
            Column("Type", lambda o: o.get_kind_display()),
            Column("Max depth (mm)", lambda o: o.max_depth_mm),
            LOCATION,
            ACTIVE,
        ],
        select_related=("location",),
    ),
    ScopedCrud(
        "appointment-types",
        "Appointment types",
        AppointmentType,
        booking_forms.AppointmentTypeForm,
        [
            NAME,
            Column("Treatment", lambda o: _minutes(o.duration_minutes)),
            Column(
                "Numbing",
                lambda o: f"{o.numbing_minutes} min, {_NUMBING_PLACE[o.numbing_place]}",
            ),
            Column("Cleaning", lambda o: _minutes(o.cleaning_minutes)),
            Column("Device", lambda o: o.get_device_kind_display() or "none"),
            ACTIVE,
        ],
    ),
    ScopedCrud(
        "shifts",
        "Weekly rota",
        WeeklyShift,
        booking_forms.WeeklyShiftForm,
        [
            PRACTITIONER,
            LOCATION,
            Column("Day", lambda o: o.get_weekday_display()),
            Column("Hours (local)", lambda o: f"{o.start:%H:%M}–{o.end:%H:%M}"),
        ],
        select_related=("practitioner__user", "location"),
        list_template="setup/shifts_list.html",
    ),
    ScopedCrud(
        "shift-exceptions",
        "Rota exceptions",
        ShiftException,
        booking_forms.ShiftExceptionForm,
        [
            PRACTITIONER,
            LOCATION,
            Column("Date", lambda o: o.date),
            Column(
                "Hours (local)", lambda o: "day off" if o.is_day_off else f"{o.start:%H:%M}–{o.end:%H:%M}"
            ),
            Column("Note", lambda o: o.note),
        ],
        select_related=("practitioner__user", "location"),
    ),
    ScopedCrud(
        "time-off",
        "Time off",
        TimeOff,
        booking_forms.TimeOffForm,
        [
            PRACTITIONER,
            Column("From (UTC)", lambda o: f"{o.start:%Y-%m-%d %H:%M}"),
            Column("To (UTC)", lambda o: f"{o.end:%Y-%m-%d %H:%M}"),
            Column("Reason", lambda o: o.reason),
        ],
        select_related=("practitioner__user",),
    ),
]
