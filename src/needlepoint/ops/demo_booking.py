"""Demo rota, appointment types and a few booked series (idempotent: books only once)."""

from __future__ import annotations

from datetime import time, timedelta

from needlepoint import clock
from needlepoint.clinic.accounts.models import Membership, Role
from needlepoint.clinic.booking import services
from needlepoint.clinic.booking.models import Appointment, AppointmentType, BookingPolicy, WeeklyShift
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Clinic
from needlepoint.clinic.clinics.selectors import clinic_today
from needlepoint.clinic.permissions import SystemActor

TYPES = [  # name, minutes, device kind
    ("Microneedling — face", 60, "pen"),
    ("Microneedling — face and neck", 75, "pen"),
    ("Microneedling — body (stretch marks)", 90, "pen"),
]


def load_demo_booking(clinic: Clinic, *, series_count: int = 8) -> None:
    BookingPolicy.objects.get_or_create(clinic=clinic)
    kinds = [
        AppointmentType.objects.update_or_create(
            clinic=clinic, name=name, defaults={"duration_minutes": minutes, "device_kind": kind}
        )[0]
        for name, minutes, kind in TYPES
    ]
    for member in Membership.objects.for_clinic(clinic).filter(role=Role.PRACTITIONER).order_by("pk"):
        locations = list(member.locations.order_by("pk"))
        for weekday in range(7):
            if not locations:
                break
            # Someone at two locations works at one a day (alternating), never both at once.
            location = locations[weekday % len(locations)]
            start, end = (time(9), time(18)) if weekday < 5 else (time(10), time(16))
            WeeklyShift.objects.get_or_create(
                clinic=clinic,
                practitioner=member,
                location=location,
                weekday=weekday,
                defaults={"start": start, "end": end},
            )
    if Appointment.objects.for_clinic(clinic).exists():
        return  # bookings are made once; re-running the demo keeps them
    now = clock.now()
    today = clinic_today(clinic, now)
    demo = SystemActor(clinic.pk, "demo")
    for i, client in enumerate(Client.objects.for_clinic(clinic).order_by("pk")[:series_count]):
        first = today + timedelta(days=1 + (i % 5))
        spec = services.SeriesSpec(
            client=client,
            appointment_type=kinds[i % 2],
            sessions=4,
            first_earliest=first,
            first_latest=first + timedelta(days=10),
            gap_min_days=28,
            gap_max_days=42,
            location_ids=frozenset({str(client.preferred_location_id)})
            if client.preferred_location_id
            else None,
            source="demo",
        )
        result, _ = services.search_series(clinic, spec, now=now)
        if result.found:
            services.book_series(clinic, spec, list(result.options[0].sessions), actor=demo, now=now)
