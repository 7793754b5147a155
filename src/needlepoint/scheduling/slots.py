"""Single-session slot finding: every grid start where a practitioner, room and device are free."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from needlepoint.scheduling.appointments import Appointment, AppointmentType
from needlepoint.scheduling.availability import Availability, iter_bits
from needlepoint.scheduling.errors import InvalidConfigurationError, InvalidWindowError
from needlepoint.scheduling.intervals import from_epoch
from needlepoint.scheduling.preferences import LocalTimeRange, TimeOfDay
from needlepoint.scheduling.windows import DateWindow

_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class SlotQuery:
    """Find slots for one appointment on local dates ``first_day..last_day`` (inclusive).

    Filters are hard here: ``time_of_day`` restricts the arrival time.
    """

    appointment_type: AppointmentType
    first_day: date
    last_day: date
    location_ids: frozenset[str] | None = None
    practitioner_ids: frozenset[str] | None = None
    time_of_day: TimeOfDay | LocalTimeRange | None = None
    limit: int | None = 1000

    def __post_init__(self) -> None:
        DateWindow(self.first_day, self.last_day)  # validates dates and order
        for name in ("location_ids", "practitioner_ids"):
            value = getattr(self, name)
            if value is not None:
                if isinstance(value, str):
                    raise InvalidConfigurationError(f"{name} must be a set of ids, not a string")
                object.__setattr__(self, name, frozenset(value))
        if self.limit is not None and self.limit < 1:
            raise InvalidWindowError("limit must be positive (or None for no limit)")
        if isinstance(self.time_of_day, str) and not isinstance(self.time_of_day, TimeOfDay):
            object.__setattr__(self, "time_of_day", TimeOfDay(self.time_of_day))


@dataclass(frozen=True, slots=True)
class Slot:
    """A start time and every resource free for it (in the clinic's order of preference)."""

    appointment_type: AppointmentType
    location_id: str
    timezone: str
    day: date
    start: datetime  # treatment start, UTC
    arrival: datetime
    practitioner_ids: tuple[str, ...]
    room_ids: tuple[str, ...]
    device_ids: tuple[str, ...]

    def appointment(
        self,
        practitioner_id: str | None = None,
        room_id: str | None = None,
        device_id: str | None = None,
    ) -> Appointment:
        """A concrete appointment in this slot (first free resource unless one is named)."""
        for value, options, what in (
            (practitioner_id, self.practitioner_ids, "practitioner"),
            (room_id, self.room_ids, "room"),
            (device_id, self.device_ids, "device"),
        ):
            if value is not None and value not in options:
                raise InvalidConfigurationError(f"{what} {value!r} is not free in this slot")
        return Appointment.build(
            self.appointment_type, self.start, location_id=self.location_id,
            timezone=self.timezone,
            practitioner_id=practitioner_id or self.practitioner_ids[0],
            room_id=room_id or self.room_ids[0],
            device_id=(device_id or self.device_ids[0]) if self.device_ids else None,
        )


def find_slots(av: Availability, query: SlotQuery) -> list[Slot]:
    """All slots in time order (per day: earliest first across locations)."""
    kind = query.appointment_type
    info = av.info(kind)
    clinic = av.clinic
    if query.location_ids is None:
        locations = list(clinic.locations)
    else:
        for location_id in query.location_ids:
            clinic.location(location_id)
        locations = [lid for lid in clinic.locations if lid in query.location_ids]
    if query.practitioner_ids is not None:
        for practitioner_id in query.practitioner_ids:
            clinic.practitioner(practitioner_id)
    allowed = query.practitioner_ids
    time_range = query.time_of_day.range if isinstance(query.time_of_day, TimeOfDay) else (
        query.time_of_day
    )
    out: list[Slot] = []
    day = query.first_day
    while day <= query.last_day:
        found: list[Slot] = []
        for location_id in locations:
            grid = av.grid(info, location_id, day)
            mask = grid.candidates(allowed)
            if time_range is not None and mask:
                mask &= av.time_mask(info, grid, time_range)
            location = clinic.location(location_id)
            for k in iter_bits(mask):
                bit = 1 << k
                s = grid.start(k)
                found.append(Slot(
                    appointment_type=kind,
                    location_id=location_id,
                    timezone=location.timezone,
                    day=day,
                    start=from_epoch(s),
                    arrival=from_epoch(s - info.geo.numbing),
                    practitioner_ids=tuple(
                        pid for pid, m in grid.practitioners
                        if m & bit and (allowed is None or pid in allowed)
                    ),
                    room_ids=tuple(rid for rid, m in grid.resources.rooms if m & bit),
                    device_ids=tuple(did for did, m in grid.resources.devices if m & bit),
                ))
        found.sort(key=lambda slot: (slot.start, locations.index(slot.location_id)))
        out.extend(found)
        if query.limit is not None and len(out) >= query.limit:
            return out[: query.limit]
        day += _DAY
    return out
