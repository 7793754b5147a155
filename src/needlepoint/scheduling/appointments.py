"""Appointment types (durations and buffers) and concrete appointments.

Times of one appointment, with ``s`` the treatment start:

* the client arrives at ``s - numbing`` and leaves at ``s + duration`` (the *visit*);
* the **room** is occupied ``[s - numbing, s + duration + cleaning)`` when numbing happens in the
  room, and ``[s, s + duration + cleaning)`` when the client numbs in the waiting area;
* the **practitioner** is busy ``[s, s + duration)``, plus the cleaning time when the type says
  the practitioner cleans (the default: in a microneedling clinic the practitioner disposes of
  the cartridge, reprocesses the pen and charts; set ``practitioner_cleans=False`` when an
  assistant turns the room over). Numbing cream is applied at arrival and then sits, so the
  practitioner is free during numbing but must be *on shift*: the whole of
  ``[s - numbing, end of practitioner time)`` has to lie inside their working hours;
* the **device** is busy ``[s, s + duration + cleaning)``: it is reprocessed during cleaning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from needlepoint.scheduling.errors import InvalidConfigurationError
from needlepoint.scheduling.intervals import Interval, from_epoch, seconds, to_epoch
from needlepoint.scheduling.working_hours import get_zone


class NumbingPlace(StrEnum):
    """Where the client waits while topical anaesthetic takes effect."""

    ROOM = "room"  # room occupied from start - numbing (the safe default: never overbooks rooms)
    WAITING_AREA = "waiting_area"  # room free during numbing


@dataclass(frozen=True, slots=True)
class AppointmentType:
    """A bookable treatment with its duration, buffers and equipment needs."""

    id: str
    duration: timedelta
    name: str = ""
    numbing: timedelta = timedelta(minutes=45)
    numbing_place: NumbingPlace = NumbingPlace.ROOM
    cleaning: timedelta = timedelta(minutes=15)
    practitioner_cleans: bool = True
    device_kind: str | None = None
    min_depth_mm: Decimal | None = None
    room_tags: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if seconds(self.duration, f"{self.id}: duration") <= 0:
            raise InvalidConfigurationError(f"appointment type {self.id}: duration must be positive")
        for what in ("numbing", "cleaning"):
            if seconds(getattr(self, what), f"{self.id}: {what}") < 0:
                raise InvalidConfigurationError(f"appointment type {self.id}: {what} must be >= 0")
        object.__setattr__(self, "numbing_place", NumbingPlace(self.numbing_place))
        object.__setattr__(self, "room_tags", frozenset(self.room_tags))
        if self.min_depth_mm is not None:
            if self.device_kind is None:
                raise InvalidConfigurationError(
                    f"appointment type {self.id}: min_depth_mm needs a device_kind"
                )
            object.__setattr__(self, "min_depth_mm", Decimal(str(self.min_depth_mm)))

    @property
    def geometry(self) -> Geometry:
        return Geometry.of(self)


@dataclass(frozen=True, slots=True)
class Geometry:
    """Offsets in seconds from the treatment start ``s`` (see module docstring)."""

    numbing: int  # arrival = s - numbing; also the working-hours lead-in
    duration: int
    room_before: int  # room busy from s - room_before
    room_after: int  # ... to s + room_after
    practitioner_after: int  # practitioner busy [s, s + practitioner_after)
    device_after: int  # device busy [s, s + device_after)
    needs_device: bool

    @classmethod
    def of(cls, kind: AppointmentType) -> Geometry:
        numbing = seconds(kind.numbing)
        duration = seconds(kind.duration)
        cleaning = seconds(kind.cleaning)
        return cls(
            numbing=numbing,
            duration=duration,
            room_before=numbing if kind.numbing_place is NumbingPlace.ROOM else 0,
            room_after=duration + cleaning,
            practitioner_after=duration + (cleaning if kind.practitioner_cleans else 0),
            device_after=duration + cleaning,
            needs_device=kind.device_kind is not None,
        )


@dataclass(frozen=True, slots=True)
class Appointment:
    """One concrete (proposed or booked) appointment with all the intervals it occupies.

    ``start``/``end`` bound the treatment; the Django layer should store ``room_interval``,
    ``practitioner_interval`` and ``device_interval`` as the busy rows of those resources.
    """

    appointment_type_id: str
    location_id: str
    timezone: str
    practitioner_id: str
    room_id: str
    device_id: str | None
    start: datetime
    end: datetime
    arrival: datetime
    room_interval: Interval
    practitioner_interval: Interval
    device_interval: Interval | None

    @classmethod
    def build(
        cls,
        kind: AppointmentType,
        start: datetime,
        *,
        location_id: str,
        timezone: str,
        practitioner_id: str,
        room_id: str,
        device_id: str | None = None,
    ) -> Appointment:
        """The appointment of type ``kind`` whose treatment starts at ``start`` (aware)."""
        return cls.from_epoch(
            kind.geometry, kind.id, to_epoch(start, "appointment start"),
            location_id=location_id, timezone=timezone, practitioner_id=practitioner_id,
            room_id=room_id, device_id=device_id,
        )

    @classmethod
    def from_epoch(
        cls,
        geometry: Geometry,
        type_id: str,
        s: int,
        *,
        location_id: str,
        timezone: str,
        practitioner_id: str,
        room_id: str,
        device_id: str | None,
    ) -> Appointment:
        return cls(
            appointment_type_id=type_id,
            location_id=location_id,
            timezone=timezone,
            practitioner_id=practitioner_id,
            room_id=room_id,
            device_id=device_id,
            start=from_epoch(s),
            end=from_epoch(s + geometry.duration),
            arrival=from_epoch(s - geometry.numbing),
            room_interval=Interval.from_epoch(s - geometry.room_before, s + geometry.room_after),
            practitioner_interval=Interval.from_epoch(s, s + geometry.practitioner_after),
            device_interval=(
                Interval.from_epoch(s, s + geometry.device_after) if device_id is not None else None
            ),
        )

    @property
    def visit(self) -> Interval:
        """When the client is on the premises: arrival to end of treatment."""
        return Interval(self.arrival, self.end)

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(get_zone(self.timezone))

    @property
    def local_arrival(self) -> datetime:
        return self.arrival.astimezone(get_zone(self.timezone))

    @property
    def day(self) -> date:
        """The local calendar date of the treatment start (used for series windows and gaps)."""
        return self.local_start.date()

    def intervals(self) -> list[tuple[str, str, Interval]]:
        """``(kind, resource id, interval)`` for each resource this appointment occupies."""
        out = [
            ("practitioner", self.practitioner_id, self.practitioner_interval),
            ("room", self.room_id, self.room_interval),
        ]
        if self.device_id is not None and self.device_interval is not None:
            out.append(("device", self.device_id, self.device_interval))
        return out
