"""A clinic with a rota, an appointment type and a fixed 'now' for booking tests."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest

from tests.conftest import ClinicWorld

NOW = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)  # a Monday morning


@dataclass
class BookingWorld:
    world: ClinicWorld
    kind: object  # AppointmentType
    practitioners: list  # Membership
    rooms: list
    devices: list


def make_booking_world(
    world: ClinicWorld,
    *,
    practitioners: int = 1,
    rooms: int = 1,
    devices: int = 1,
    days: tuple[int, ...] = (0, 1, 2, 3, 4),
    hours: tuple[time, time] = (time(9), time(17)),
) -> BookingWorld:
    from needlepoint.clinic.accounts.models import Membership, Role, User
    from needlepoint.clinic.booking.models import AppointmentType, BookingPolicy, WeeklyShift
    from needlepoint.clinic.clinics.models import Device, Room

    clinic, loc = world.clinic, world.location
    # The type's defaults are the protocol's: 45 min numbing, 60 min treatment, 15 min cleaning.
    kind = AppointmentType.objects.create(clinic=clinic, name="Microneedling face", device_kind="pen")
    BookingPolicy.objects.update_or_create(
        clinic=clinic,
        defaults={
            "lead_time_minutes": 60,
            "cancellation_notice_hours": 48,
            "late_cancellation_fee": Decimal("50.00"),
        },
    )
    members = [world.memberships["practitioner"]]
    for i in range(1, practitioners):
        user = User.objects.create_user(f"extra{i}.{clinic.slug}@example.com", "x" * 12)
        members.append(
            Membership.objects.create(
                clinic=clinic, user=user, role=Role.PRACTITIONER, display_name=f"Extra {i}"
            )
        )
    for m in members:
        m.locations.add(loc)
        for d in days:
            WeeklyShift.objects.create(
                clinic=clinic, practitioner=m, location=loc, weekday=d, start=hours[0], end=hours[1]
            )
    room_list = [world.room] + [
        Room.objects.create(clinic=clinic, location=loc, name=f"Room {i}") for i in range(1, rooms)
    ]
    device_list = [world.device] + [
        Device.objects.create(
            clinic=clinic,
            location=loc,
            name=f"Pen {i} {clinic.slug}",
            make="Acme",
            model="P",
            max_depth_mm=Decimal("2.5"),
        )
        for i in range(1, devices)
    ]
    return BookingWorld(world, kind, members, room_list, device_list)


@pytest.fixture
def bw(clinic_a: ClinicWorld) -> BookingWorld:
    return make_booking_world(clinic_a)


def spec(
    bw: BookingWorld,
    client: object = None,
    *,
    sessions: int = 4,
    first: date = date(2027, 1, 5),
    last: date = date(2027, 1, 8),
    gap: tuple[int, int] = (28, 42),
    **kw: object,
):  # type: ignore[no-untyped-def]
    from needlepoint.clinic.booking.services import SeriesSpec

    return SeriesSpec(
        client=client or bw.world.client,
        appointment_type=bw.kind,
        sessions=sessions,
        first_earliest=first,
        first_latest=last,
        gap_min_days=gap[0],
        gap_max_days=gap[1],
        **kw,
    )


def fitting_spec(bw: BookingWorld, client: object, sessions: list):  # type: ignore[no-untyped-def,type-arg]
    """The spec that exactly fits `sessions` (ordered, on different days): booking re-checks a
    series' first window and gaps, so tests that book arbitrary slots as a series ask for them."""
    days = [e.day for e in sessions]
    gaps = [(b - a).days for a, b in itertools.pairwise(days)] or [28]
    return spec(bw, client, sessions=len(sessions), first=days[0], last=days[0], gap=(min(gaps), max(gaps)))
