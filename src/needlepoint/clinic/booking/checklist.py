"""What a new clinic still has to set up before it can take its first booking.

Booking is the lowest app that sees every piece (locations, rooms and devices, staff, appointment
types, prices, the rota). The interface links each step to its set-up page; the list is done
when every step is.
"""

from __future__ import annotations

from dataclasses import dataclass

from needlepoint.clinic.accounts.models import Membership, Role
from needlepoint.clinic.clinics.models import Clinic, Device, Location, Room
from needlepoint.clinic.pricing.models import AreaPrice

from .models import AppointmentType, WeeklyShift


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    hint: str
    done: bool


@dataclass(frozen=True)
class Checklist:
    steps: list[Step]

    @property
    def done(self) -> bool:
        return all(s.done for s in self.steps)

    @property
    def done_count(self) -> int:
        return sum(s.done for s in self.steps)


def setup_checklist(clinic: Clinic) -> Checklist:
    active_locations = Location.objects.for_clinic(clinic).filter(is_active=True)
    steps = [
        Step(
            "location",
            "Add a location",
            "Its address, time zone and opening hours.",
            active_locations.exists(),
        ),
        Step(
            "rooms",
            "Add treatment rooms",
            "Each appointment takes a room.",
            Room.objects.for_clinic(clinic).filter(is_active=True, location__is_active=True).exists(),
        ),
        Step(
            "devices",
            "Add devices",
            "Pens and rollers with their maximum depth.",
            Device.objects.for_clinic(clinic).filter(is_active=True, location__is_active=True).exists(),
        ),
        Step(
            "staff",
            "Invite a practitioner",
            "Someone who treats clients (owners can treat too, but the calendar books practitioners).",
            Membership.objects.for_clinic(clinic).filter(role=Role.PRACTITIONER, is_active=True).exists(),
        ),
        Step(
            "appointment_types",
            "Add appointment types",
            "Treatment, numbing and cleaning times.",
            AppointmentType.objects.for_clinic(clinic).filter(is_active=True).exists(),
        ),
        Step(
            "prices",
            "Set prices",
            "A price per area for plans and quotes.",
            AreaPrice.objects.for_clinic(clinic).exists(),
        ),
        Step(
            "rota",
            "Set the rota",
            "When each practitioner works, and where.",
            WeeklyShift.objects.for_clinic(clinic).filter(practitioner__is_active=True).exists(),
        ),
    ]
    return Checklist(steps)
