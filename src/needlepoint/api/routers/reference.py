"""The clinic's locations, appointment types, devices and staff: the ids other calls take."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from needlepoint.clinic.accounts.selectors import staff_of
from needlepoint.clinic.booking.models import AppointmentType
from needlepoint.clinic.clinics.models import Device, Location

from ..auth import TokenAuth
from ..context import clinic
from ..schemas.common import responses
from ..schemas.reference import AppointmentTypeOut, DeviceOut, LocationOut, StaffOut

router = Router(tags=["reference"])
ANY = TokenAuth(None)  # not PHI: any valid token of the clinic may read it


@router.get("/locations", response=responses(list[LocationOut]), auth=ANY)
def locations(request: HttpRequest) -> list[Location]:
    return list(Location.objects.for_clinic(clinic(request)).order_by("name"))


@router.get("/appointment-types", response=responses(list[AppointmentTypeOut]), auth=ANY)
def appointment_types(request: HttpRequest) -> list[AppointmentType]:
    return list(AppointmentType.objects.for_clinic(clinic(request)).order_by("name"))


@router.get("/devices", response=responses(list[DeviceOut]), auth=ANY)
def devices(request: HttpRequest) -> list[Device]:
    return list(Device.objects.for_clinic(clinic(request)).order_by("name"))


@router.get("/staff", response=responses(list[StaffOut]), auth=ANY)
def staff(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "membership_id": m.pk,
            "name": m.name,
            "role": m.role,
            "location_ids": sorted(loc.pk for loc in m.locations.all()),
        }
        for m in staff_of(clinic(request)).filter(is_active=True).prefetch_related("locations")
    ]
