"""Static description of a clinic: locations, practitioners, rooms and devices."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

from needlepoint.scheduling.appointments import AppointmentType
from needlepoint.scheduling.errors import InvalidConfigurationError, UnknownResourceError
from needlepoint.scheduling.intervals import Interval, overlaps, seconds
from needlepoint.scheduling.working_hours import (
    WorkingPattern,
    expand_epoch,
    expand_plain,
    get_zone,
    merge_epoch,
    subtract_epoch,
)


@dataclass(frozen=True, slots=True)
class Closure:
    """A period the whole site is closed (a clinic closure, a public holiday), with its reason."""

    interval: Interval
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Location:
    """A clinic site with its IANA time zone; ``closed`` dates close the whole site, and
    ``closures`` close it for a period (part of a day or several): nobody works there then."""

    id: str
    timezone: str
    name: str = ""
    closed: frozenset[date] = field(default_factory=frozenset)
    closures: tuple[Closure, ...] = ()
    zone: ZoneInfo = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        # Resolve once (fails fast with UnknownTimeZoneError); the search reads it constantly.
        object.__setattr__(self, "zone", get_zone(self.timezone))
        object.__setattr__(self, "closed", frozenset(self.closed))
        object.__setattr__(self, "closures", tuple(self.closures))

    def closure_during(self, interval: Interval) -> Closure | None:
        """The first closure overlapping ``interval``, if any."""
        return next((c for c in self.closures if overlaps(c.interval, interval)), None)

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass(frozen=True, slots=True)
class Room:
    id: str
    location_id: str
    name: str = ""
    tags: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tags", frozenset(self.tags))

    def suits(self, kind: AppointmentType) -> bool:
        return kind.room_tags <= self.tags


@dataclass(frozen=True, slots=True)
class Device:
    """A treatment device (e.g. a microneedling pen) kept at one location."""

    id: str
    location_id: str
    kind: str
    max_depth_mm: Decimal
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "max_depth_mm", Decimal(str(self.max_depth_mm)))

    def suits(self, kind: AppointmentType) -> bool:
        if kind.device_kind is None:
            return False
        if self.kind != kind.device_kind:
            return False
        return kind.min_depth_mm is None or self.max_depth_mm >= kind.min_depth_mm


@dataclass(frozen=True, slots=True)
class Practitioner:
    """A practitioner: working patterns per location, time off, and what they may perform.

    A practitioner is qualified at a location when they have a working pattern there;
    ``appointment_types`` (ids) limits the treatments they perform (``None`` = all).
    """

    id: str
    working: tuple[WorkingPattern, ...] = ()
    time_off: tuple[Interval, ...] = ()
    appointment_types: frozenset[str] | None = None
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "working", tuple(self.working))
        object.__setattr__(self, "time_off", tuple(self.time_off))
        if self.appointment_types is not None:
            object.__setattr__(self, "appointment_types", frozenset(self.appointment_types))

    @property
    def location_ids(self) -> frozenset[str]:
        return frozenset(p.location_id for p in self.working)

    def performs(self, kind: AppointmentType) -> bool:
        return self.appointment_types is None or kind.id in self.appointment_types

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass(frozen=True, slots=True)
class BookingPolicy:
    """Clinic-wide booking rules.

    The client's arrival (``start - numbing``) must lie in ``[now + lead_time, now + horizon]``.
    Candidate treatment starts lie on a ``grid`` in local wall-clock time (09:00, 09:15, ...).
    """

    lead_time: timedelta = timedelta(hours=2)
    horizon: timedelta = timedelta(days=365)
    grid: timedelta = timedelta(minutes=15)

    def __post_init__(self) -> None:
        if seconds(self.lead_time, "lead_time") < 0:
            raise InvalidConfigurationError("lead_time must be >= 0")
        if seconds(self.horizon, "horizon") <= seconds(self.lead_time):
            raise InvalidConfigurationError("horizon must be longer than lead_time")
        step = seconds(self.grid, "grid")
        # The grid is anchored at local noon, so it must divide 12 hours evenly.
        if step < 60 or step % 60 or (12 * 3600) % step:
            raise InvalidConfigurationError(
                f"grid {self.grid} must be whole minutes dividing 12 hours (e.g. 5, 10, 15, 30 min)"
            )


_WORK_CACHE_LIMIT = 500_000
_NOBODY: frozenset[str] = frozenset()
_T = TypeVar("_T", Location, Practitioner, Room, Device)


class Clinic:
    """Indexes the static resources and checks they reference each other consistently."""

    def __init__(
        self,
        *,
        locations: Iterable[Location],
        practitioners: Iterable[Practitioner],
        rooms: Iterable[Room],
        devices: Iterable[Device] = (),
    ) -> None:
        self.locations: dict[str, Location] = _index(locations, "location")
        self.practitioners: dict[str, Practitioner] = _index(practitioners, "practitioner")
        self.rooms: dict[str, Room] = _index(rooms, "room")
        self.devices: dict[str, Device] = _index(devices, "device")
        for room in self.rooms.values():
            self._check_location(room.location_id, f"room {room.id}")
        for device in self.devices.values():
            self._check_location(device.location_id, f"device {device.id}")
        for practitioner in self.practitioners.values():
            for pattern in practitioner.working:
                self._check_location(pattern.location_id, f"practitioner {practitioner.id}")
        # Working hours depend only on this static data, so their expansion is cached here and
        # shared by every Scheduler built over this Clinic.
        self._work: dict[tuple[str, str, date], list[tuple[int, int]]] = {}
        self._patterns: dict[tuple[str, str], list[WorkingPattern]] = {}
        # Who could work where on which weekday / date: lets most non-working days skip the
        # expansion entirely.
        self._may_work: dict[tuple[str, int | date], set[str]] = {}
        for practitioner in self.practitioners.values():
            for pattern in practitioner.working:
                self._patterns.setdefault((practitioner.id, pattern.location_id), []).append(pattern)
                for shift in pattern.weekly:
                    self._may_work.setdefault((pattern.location_id, shift.weekday), set()).add(
                        practitioner.id
                    )
                for extra in pattern.extra:
                    self._may_work.setdefault((pattern.location_id, extra.day), set()).add(
                        practitioner.id
                    )
        self._time_off: dict[str, list[tuple[int, int]]] = {
            p.id: merge_epoch(iv.epoch() for iv in p.time_off) for p in self.practitioners.values()
        }
        # A closure is time off for everyone at that location (and only there).
        self._closures: dict[str, list[tuple[int, int]]] = {
            loc.id: merge_epoch(c.interval.epoch() for c in loc.closures)
            for loc in self.locations.values()
            if loc.closures
        }

    def _check_location(self, location_id: str, owner: str) -> None:
        if location_id not in self.locations:
            raise UnknownResourceError(f"{owner} refers to unknown location {location_id!r}")

    def location(self, location_id: str) -> Location:
        try:
            return self.locations[location_id]
        except KeyError:
            raise UnknownResourceError(f"unknown location {location_id!r}") from None

    def practitioner(self, practitioner_id: str) -> Practitioner:
        try:
            return self.practitioners[practitioner_id]
        except KeyError:
            raise UnknownResourceError(f"unknown practitioner {practitioner_id!r}") from None

    def work_blocks(
        self, practitioner: Practitioner, location_id: str, day: date
    ) -> list[tuple[int, int]]:
        """Working blocks (epoch seconds, merged, minus time off) at a location on a local date."""
        key = (practitioner.id, location_id, day)
        found = self._work.get(key)
        if found is not None:
            return found
        patterns = self._patterns.get((practitioner.id, location_id))
        location = self.locations.get(location_id)
        if not patterns or location is None or day in location.closed:
            found = []
        elif len(patterns) == 1 and patterns[0].plain and not self._time_off[practitioner.id]:
            # The common case, inlined: one weekly pattern, no exceptions, no time off.
            found = expand_plain(patterns[0], day, location.zone)
        else:
            found = expand_epoch(patterns, day, location.zone, self._time_off[practitioner.id])
        closures = self._closures.get(location_id)
        if found and closures:
            found = subtract_epoch(found, closures)
        if len(self._work) >= _WORK_CACHE_LIMIT:
            self._work.clear()
        self._work[key] = found
        return found

    def may_work(self, location_id: str, day: date) -> set[str] | frozenset[str]:
        """Ids of practitioners with a shift pattern at ``location_id`` that could cover ``day``
        (a cheap superset: closed dates, validity and time off are applied on expansion)."""
        weekly = self._may_work.get((location_id, day.weekday()), _NOBODY)
        extra = self._may_work.get((location_id, day))
        return weekly | extra if extra else weekly

    def qualified(self, location_id: str, kind: AppointmentType) -> list[Practitioner]:
        """Practitioners who work at ``location_id`` and perform ``kind``, in input order."""
        return [
            p for p in self.practitioners.values()
            if p.performs(kind) and location_id in p.location_ids
        ]

    def rooms_for(self, location_id: str, kind: AppointmentType) -> list[Room]:
        return [r for r in self.rooms.values() if r.location_id == location_id and r.suits(kind)]

    def devices_for(self, location_id: str, kind: AppointmentType) -> list[Device]:
        return [
            d for d in self.devices.values() if d.location_id == location_id and d.suits(kind)
        ]


def _index(items: Iterable[_T], what: str) -> dict[str, _T]:
    out: dict[str, _T] = {}
    for item in items:
        if item.id in out:
            raise InvalidConfigurationError(f"duplicate {what} id {item.id!r}")
        out[item.id] = item
    return out
