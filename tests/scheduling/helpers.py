"""Builders for small clinics used across the scheduling tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from needlepoint.scheduling import (
    AppointmentType,
    BookingPolicy,
    Calendars,
    Clinic,
    Device,
    Interval,
    Location,
    NumbingPlace,
    Practitioner,
    Room,
    Scheduler,
    WeeklyShift,
    WorkingPattern,
)

WEEKDAYS = range(7)


def at(zone: str, day: date, hour: int, minute: int = 0, fold: int = 0) -> datetime:
    """An aware datetime at local wall time (fold as given)."""
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zone)).replace(fold=fold)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def every_day(start: time, end: time, days: Iterable[int] = WEEKDAYS) -> tuple[WeeklyShift, ...]:
    return tuple(WeeklyShift(d, start, end) for d in days)


def practitioner(
    pid: str, location: str = "soho", start: time = time(9), end: time = time(17),
    days: Iterable[int] = WEEKDAYS, **kwargs: object,
) -> Practitioner:
    return Practitioner(
        pid, (WorkingPattern(location, every_day(start, end, days)),), name=pid.upper(),
        **kwargs,  # type: ignore[arg-type]
    )


def treatment(
    duration: int = 60, numbing: int = 45, cleaning: int = 15,
    place: NumbingPlace = NumbingPlace.ROOM, device: bool = True, practitioner_cleans: bool = True,
    min_depth: str | None = "1.5",
) -> AppointmentType:
    return AppointmentType(
        "mn", timedelta(minutes=duration), name="Microneedling",
        numbing=timedelta(minutes=numbing), cleaning=timedelta(minutes=cleaning),
        numbing_place=place, device_kind="pen" if device else None,
        min_depth_mm=Decimal(min_depth) if device and min_depth is not None else None,
        practitioner_cleans=practitioner_cleans,
    )


def clinic(
    practitioners: Iterable[Practitioner] | None = None,
    rooms: int = 1,
    devices: int = 1,
    zone: str = "Europe/London",
    locations: Iterable[str] = ("soho",),
) -> Clinic:
    locs = list(locations)
    return Clinic(
        locations=[Location(lid, zone, name=lid.title()) for lid in locs],
        practitioners=list(practitioners) if practitioners is not None else [practitioner("p1")],
        rooms=[Room(f"{lid}-r{i}", lid) for lid in locs for i in range(1, rooms + 1)],
        devices=[Device(f"{lid}-d{i}", lid, "pen", Decimal("2.5"))
                 for lid in locs for i in range(1, devices + 1)],
    )


def busy(
    practitioners: Mapping[str, Iterable[tuple[datetime, datetime]]] | None = None,
    rooms: Mapping[str, Iterable[tuple[datetime, datetime]]] | None = None,
    devices: Mapping[str, Iterable[tuple[datetime, datetime]]] | None = None,
) -> Calendars:
    def conv(m: Mapping[str, Iterable[tuple[datetime, datetime]]] | None) -> dict[str, list[Interval]]:
        return {k: [Interval(a, b) for a, b in v] for k, v in (m or {}).items()}

    return Calendars.from_intervals(conv(practitioners), conv(rooms), conv(devices))


def scheduler(
    the_clinic: Clinic, calendars: Calendars | None = None, *, now: datetime,
    lead: timedelta = timedelta(0), horizon: timedelta = timedelta(days=400),
    grid: timedelta = timedelta(minutes=15),
) -> Scheduler:
    return Scheduler(
        the_clinic, calendars or Calendars(), now=now,
        policy=BookingPolicy(lead_time=lead, horizon=horizon, grid=grid),
    )
