"""The owner's set-up pages: clinic settings, locations, rooms, devices, staff."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from needlepoint.clinic.accounts.models import Membership
from needlepoint.clinic.clinics.hours import format_opening_hours
from needlepoint.clinic.clinics.models import Device, Location, Room
from needlepoint.web import forms
from needlepoint.web.access import OWNER_ONLY, staff_view

from .crud import Column, ScopedCrud


@staff_view(*OWNER_ONLY)
def clinic_settings(request: HttpRequest) -> HttpResponse:
    form = forms.ClinicSettingsForm(request.POST or None, instance=request.clinic)  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Clinic settings saved.")
        return redirect("clinic-settings")
    return render(request, "setup/clinic.html", {"form": form}, status=400 if form.errors else 200)


def _hours(loc: Location) -> str:
    return "; ".join(f"{d} {t}" for d, t in format_opening_hours(loc.opening_hours) if t != "closed")


TABLES = [
    ScopedCrud(
        "locations",
        "Locations",
        Location,
        forms.LocationForm,
        [
            Column("Name", lambda o: o.name),
            Column("Time zone", lambda o: o.timezone),
            Column("City", lambda o: o.city),
            Column("Opening hours", _hours),
            Column("Active", lambda o: "yes" if o.is_active else "no"),
        ],
    ),
    ScopedCrud(
        "rooms",
        "Rooms",
        Room,
        forms.RoomForm,
        [
            Column("Name", lambda o: o.name),
            Column("Location", lambda o: o.location.name),
            Column("Active", lambda o: "yes" if o.is_active else "no"),
        ],
        select_related=("location",),
    ),
    ScopedCrud(
        "devices",
        "Devices",
        Device,
        forms.DeviceForm,
        [
            Column("Name", lambda o: o.name),
            Column("Make / model", lambda o: f"{o.make} {o.model}"),
            Column("Type", lambda o: o.get_kind_display()),
            Column("Max depth (mm)", lambda o: o.max_depth_mm),
            Column("Location", lambda o: o.location.name),
            Column("Active", lambda o: "yes" if o.is_active else "no"),
        ],
        select_related=("location",),
    ),
    ScopedCrud(
        "staff",
        "Staff",
        Membership,
        forms.MembershipForm,
        [
            Column("Name", lambda o: o.name),
            Column("Email", lambda o: o.user.email),
            Column("Role", lambda o: o.get_role_display()),
            Column("Locations", lambda o: ", ".join(loc.name for loc in o.locations.all())),
            Column("Active", lambda o: "yes" if o.is_active else "no"),
        ],
        create_form_class=forms.NewStaffForm,
        select_related=("user",),
    ),
]
