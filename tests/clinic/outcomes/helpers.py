"""Sessions and series written straight to the database (no booking search): outcome tests need
many past appointments with chosen statuses, practitioners and clients, quickly."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from needlepoint.ops.history import plain_windows
from tests.conftest import ClinicWorld


def appointment_type(world: ClinicWorld, name: str = "Microneedling face") -> Any:
    from needlepoint.clinic.booking.models import AppointmentType

    return AppointmentType.objects.get_or_create(
        clinic=world.clinic, name=name, defaults={"duration_minutes": 60, "device_kind": "pen"}
    )[0]


def series(world: ClinicWorld, client: Any = None, *, sessions: int = 3, status: str = "active",
           kind: Any = None) -> Any:  # fmt: skip
    from needlepoint.clinic.booking.models import Series

    return Series.objects.create(
        clinic=world.clinic,
        client=client or world.client,
        appointment_type=kind or appointment_type(world),
        sessions=sessions,
        first_earliest=date(2026, 1, 1),
        first_latest=date(2026, 1, 8),
        gap_min_days=28,
        gap_max_days=42,
        status=status,
    )


def session(
    world: ClinicWorld,
    start: datetime,
    *,
    client: Any = None,
    status: str = "completed",
    practitioner: Any = None,
    kind: Any = None,
    in_series: Any = None,
    index: int | None = None,
) -> Any:
    from needlepoint.clinic.booking.models import Appointment

    # Every helper session uses the world's one room and pen: move along the day past any active
    # session already there (PostgreSQL's exclusion constraints refuse double bookings).
    while status != "cancelled" and Appointment.objects.filter(
        room=world.room, busy_start__lt=start + timedelta(hours=1), busy_end__gt=start - timedelta(minutes=45)
    ).exclude(status="cancelled").exists():
        start += timedelta(hours=2)
    return Appointment.objects.create(
        clinic=world.clinic,
        client=client or world.client,
        appointment_type=kind or (in_series.appointment_type if in_series else appointment_type(world)),
        location=world.location,
        practitioner=practitioner or world.memberships["practitioner"],
        room=world.room,
        device=world.device,
        status=status,
        series=in_series,
        series_index=index,
        **plain_windows(start, start + timedelta(hours=1), device=True),
    )


def day(n: int, hour: int = 10) -> datetime:
    """A fixed past instant, n days after 1 Jan 2026 (UTC)."""
    return datetime(2026, 1, 1, hour, tzinfo=UTC) + timedelta(days=n)


def finished_series(world: ClinicWorld, client: Any = None, sessions: int = 3) -> Any:
    """A series whose sessions were all completed (so the client may review it)."""
    s = series(world, client, sessions=sessions)
    for i in range(sessions):
        session(world, day(30 * i), client=client, in_series=s, index=i)
    return s
