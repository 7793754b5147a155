"""Per-day availability grids: the engine's core data structure.

For one (appointment type, location, local date) a :class:`DayGrid` holds, for every candidate
treatment start on the grid, one bit per resource: bit ``k`` of a practitioner's mask is set
when that practitioner works the whole of ``[s_k - numbing, s_k + practitioner time)`` and is
not busy during their part of it; a room's bit when the room is free for its interval; and so
on. "Is there a practitioner, a room and a device at ``s_k``?" is then one AND of Python ints,
and preference filters (time of day, one practitioner) are further ANDs. A grid costs one bisect
plus a walk over the day's busy blocks per resource, and is built lazily and cached.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from needlepoint.scheduling.appointments import Appointment, AppointmentType, Geometry
from needlepoint.scheduling.busy import BusyCalendar, Calendars
from needlepoint.scheduling.errors import UnknownResourceError
from needlepoint.scheduling.intervals import from_epoch, seconds, to_epoch
from needlepoint.scheduling.preferences import LocalTimeRange
from needlepoint.scheduling.resources import BookingPolicy, Clinic, Practitioner
from needlepoint.scheduling.working_hours import local_to_epoch

_DAY = timedelta(days=1)
_NOON = time(12)


def free_mask(
    calendar: BusyCalendar, s0: int, step: int, n: int, before: int, after: int
) -> int:
    """Bits ``k < n`` for which ``[s0 + k*step - before, s0 + k*step + after)`` is free."""
    blocked = 0
    last = n - 1
    for block_start, block_end in calendar.segments(s0 - before, s0 + last * step + after):
        # s_k is blocked iff block_start - after < s_k < block_end + before.
        k1 = (block_start - after - s0) // step + 1
        k2 = -((s0 - block_end - before) // step) - 1
        if k1 < 0:
            k1 = 0
        if k2 > last:
            k2 = last
        if k1 <= k2:
            blocked |= ((1 << (k2 - k1 + 1)) - 1) << k1
    return ((1 << n) - 1) & ~blocked


@dataclass(slots=True)
class TypeInfo:
    """An appointment type with its precomputed geometry (cached per scheduler)."""

    kind: AppointmentType
    geo: Geometry
    key: int


@dataclass(slots=True)
class Resources:
    """The rooms and devices of a day grid that are free at some start: each with the mask of
    those starts, and the union of the masks."""

    rooms: list[tuple[str, int]] = field(default_factory=list)
    room_any: int = 0
    devices: list[tuple[str, int]] = field(default_factory=list)
    device_any: int = 0


class DayGrid:
    """Availability of one appointment type at one location on one local date.

    The working-hours part is computed up front (cheap: the expansion is cached on the
    clinic); the busy-calendar parts are computed on first use, practitioner by practitioner,
    so a search restricted to one practitioner never pays for the others.
    """

    __slots__ = (
        "_all_practitioners", "_av", "_free", "_geo", "_info", "_resources", "bounds", "closed",
        "day", "location_id", "n", "s0", "step",
        "work_any", "work_masks",
    )

    def __init__(
        self, av: Availability, info: TypeInfo, location_id: str, day: date, s0: int, step: int,
        n: int,
    ) -> None:
        self._av = av
        self._info = info
        self._geo = info.geo
        self.location_id = location_id
        self.day = day
        self.s0 = s0
        self.step = step
        self.n = n
        self.closed = False
        self.bounds = 0  # lead time / horizon
        self.work_masks: dict[str, int] = {}  # practitioner -> works (ignoring bounds), input order
        self.work_any = 0  # someone works, within bounds
        self._free: dict[str, int] = {}  # practitioner -> works, free and within bounds
        self._all_practitioners: list[tuple[str, int]] | None = None
        self._resources = Resources() if n == 0 else None

    def start(self, k: int) -> int:
        return self.s0 + k * self.step

    def range_mask(self, low: int, high: int) -> int:
        """Bits of starts ``s`` with ``low <= s < high``."""
        if self.n == 0 or high <= low:
            return 0
        k1 = max(0, -((self.s0 - low) // self.step))
        k2 = min(self.n - 1, -((self.s0 - high) // self.step) - 1)
        if k1 > k2:
            return 0
        return ((1 << (k2 - k1 + 1)) - 1) << k1

    # -- practitioners ------------------------------------------------------------------------

    def practitioner(self, practitioner_id: str) -> int:
        """Starts at which this practitioner works, is free and is within the booking limits."""
        found = self._free.get(practitioner_id)
        if found is None:
            work = self.work_masks.get(practitioner_id, 0) & self.bounds
            if work:
                self._av.work += 1
                work &= free_mask(
                    self._av.calendars.practitioner(practitioner_id), self.s0, self.step, self.n,
                    0, self._geo.practitioner_after,
                )
            self._free[practitioner_id] = found = work
        return found

    @property
    def practitioners(self) -> list[tuple[str, int]]:
        """``(practitioner id, mask)`` of everyone available at some start, in input order."""
        if self._all_practitioners is None:
            self._all_practitioners = [
                (pid, mask) for pid in self.work_masks if (mask := self.practitioner(pid))
            ]
        return self._all_practitioners

    @property
    def practitioner_mask(self) -> _MaskLookup:
        return _MaskLookup(self)

    @property
    def practitioner_any(self) -> int:
        mask = 0
        for _, bits in self.practitioners:
            mask |= bits
        return mask

    def practitioners_mask(self, allowed: frozenset[str] | None) -> int:
        if allowed is None:
            return self.practitioner_any
        mask = 0
        for practitioner_id in allowed:
            if practitioner_id in self.work_masks:
                mask |= self.practitioner(practitioner_id)
        return mask

    # -- rooms and devices ----------------------------------------------------------------------

    @property
    def resources(self) -> Resources:
        """Rooms and devices free at each start (computed on first use)."""
        if self._resources is None:
            self._resources = self._find_resources()
        return self._resources

    def _find_resources(self) -> Resources:
        found = Resources(device_any=0 if self._geo.needs_device else (1 << self.n) - 1)
        relevant = self.work_any  # a room only matters while someone could treat
        if not relevant:
            return found
        av, geo, s0, step, n = self._av, self._geo, self.s0, self.step, self.n
        _, room_ids, device_ids = av.setup(self._info, self.location_id)
        calendars = av.calendars
        av.work += len(room_ids)
        for room_id in room_ids:
            mask = relevant & free_mask(
                calendars.room(room_id), s0, step, n, geo.room_before, geo.room_after
            )
            if mask:
                found.rooms.append((room_id, mask))
                found.room_any |= mask
        if geo.needs_device and found.room_any:
            av.work += len(device_ids)
            for device_id in device_ids:
                mask = relevant & free_mask(calendars.device(device_id), s0, step, n, 0,
                                            geo.device_after)
                if mask:
                    found.devices.append((device_id, mask))
                    found.device_any |= mask
        return found

    @property
    def places(self) -> int:
        """Starts with a room and (if needed) a device free."""
        found = self.resources
        return found.room_any & found.device_any

    @property
    def feasible(self) -> int:
        return self.candidates(None)

    def candidates(self, allowed: frozenset[str] | None) -> int:
        """Starts with some allowed practitioner, a room and (if needed) a device free."""
        work = self.work_masks
        if allowed is None:
            pids: Iterable[str] = work
            if not self.work_any:
                return 0
        else:
            pids = [pid for pid in allowed if work.get(pid, 0) & self.bounds]
            if not pids:
                return 0  # decided without touching any busy calendar
        places = self.places
        if not places:
            return 0
        mask = 0
        for practitioner_id in pids:
            if work[practitioner_id] & places:
                mask |= self.practitioner(practitioner_id)
        return mask & places


class _MaskLookup:
    """``grid.practitioner_mask.get(pid, 0)`` computing the practitioner's mask lazily."""

    __slots__ = ("_grid",)

    def __init__(self, grid: DayGrid) -> None:
        self._grid = grid

    def get(self, practitioner_id: str, default: int = 0) -> int:
        if practitioner_id not in self._grid.work_masks:
            return default
        return self._grid.practitioner(practitioner_id)


def iter_bits(mask: int) -> Iterator[int]:
    """Indices of set bits, lowest first."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


@dataclass(slots=True)
class Candidate:
    """A start time with one concrete assignment of resources (internal, epoch seconds)."""

    info: TypeInfo
    location_id: str
    day: date
    s: int
    practitioner_id: str
    room_id: str
    device_id: str | None

    @property
    def arrival(self) -> int:
        return self.s - self.info.geo.numbing

    @property
    def end(self) -> int:
        return self.s + self.info.geo.duration

    def resource_intervals(self) -> list[tuple[str, str, int, int]]:
        g = self.info.geo
        out = [
            ("p", self.practitioner_id, self.s, self.s + g.practitioner_after),
            ("r", self.room_id, self.s - g.room_before, self.s + g.room_after),
        ]
        if self.device_id is not None:
            out.append(("d", self.device_id, self.s, self.s + g.device_after))
        return out


class Availability:
    """Builds and caches day grids over a snapshot of a clinic's calendars."""

    def __init__(
        self, clinic: Clinic, calendars: Calendars, now: datetime, policy: BookingPolicy
    ) -> None:
        self.clinic = clinic
        self.calendars = calendars
        self.policy = policy
        self.now = now
        now_s = to_epoch(now, "now")
        self.earliest_arrival = now_s + seconds(policy.lead_time)
        self.latest_arrival = now_s + seconds(policy.horizon)
        self.step = seconds(policy.grid)
        self._types: dict[int, TypeInfo] = {}
        self._grids: dict[tuple[int, str, date], DayGrid] = {}
        self._qualified_ids: dict[tuple[int, str], frozenset[str]] = {}
        self._setup: dict[tuple[int, str], tuple[list[Practitioner], list[str], list[str]]] = {}
        self._time_masks: dict[tuple[int, str, date, LocalTimeRange], int] = {}
        # Units of work done (grids built, busy-calendar scans): what search budgets count.
        self.work = 0

    # -- static lookups -----------------------------------------------------------------------

    def info(self, kind: AppointmentType) -> TypeInfo:
        info = self._types.get(id(kind))
        if info is None or info.kind is not kind:
            info = TypeInfo(kind, kind.geometry, len(self._types))
            self._types[id(kind)] = info
        return info

    def setup(
        self, info: TypeInfo, location_id: str
    ) -> tuple[list[Practitioner], list[str], list[str]]:
        """Qualified practitioners, suitable room ids and device ids at a location."""
        key = (info.key, location_id)
        found = self._setup.get(key)
        if found is None:
            self.clinic.location(location_id)
            kind = info.kind
            found = (
                self.clinic.qualified(location_id, kind),
                [r.id for r in self.clinic.rooms_for(location_id, kind)],
                [d.id for d in self.clinic.devices_for(location_id, kind)],
            )
            self._setup[key] = found
        return found

    def qualified_ids(self, info: TypeInfo, location_id: str) -> frozenset[str]:
        key = (info.key, location_id)
        found = self._qualified_ids.get(key)
        if found is None:
            found = frozenset(p.id for p in self.setup(info, location_id)[0])
            self._qualified_ids[key] = found
        return found

    def bookable_days(self, location_id: str, info: TypeInfo) -> tuple[date, date]:
        """First and last local dates on which a treatment could start (lead time, horizon)."""
        zone = self.clinic.location(location_id).zone
        first = from_epoch(self.earliest_arrival + info.geo.numbing).astimezone(zone).date()
        last = from_epoch(self.latest_arrival + info.geo.numbing).astimezone(zone).date()
        return first, last

    def work_blocks(
        self, practitioner: Practitioner, location_id: str, day: date
    ) -> list[tuple[int, int]]:
        """Working blocks (epoch seconds) of ``practitioner`` at a location on a local date."""
        return self.clinic.work_blocks(practitioner, location_id, day)

    # -- grids --------------------------------------------------------------------------------

    def grid(self, info: TypeInfo, location_id: str, day: date) -> DayGrid:
        key = (info.key, location_id, day)
        found = self._grids.get(key)
        if found is None:
            found = self._build(info, location_id, day)
            self._grids[key] = found
        return found

    def _build(self, info: TypeInfo, location_id: str, day: date) -> DayGrid:
        self.work += 1
        geo = info.geo
        step = self.step
        clinic = self.clinic
        location = clinic.location(location_id)
        practitioners = self.setup(info, location_id)[0]
        may_work = clinic.may_work(location_id, day)
        working: list[tuple[str, list[tuple[int, int]]]] = []
        earliest = latest = 0
        for practitioner in practitioners:
            if practitioner.id in may_work:
                blocks = clinic.work_blocks(practitioner, location_id, day)
                if blocks:
                    if not working or blocks[0][0] < earliest:
                        earliest = blocks[0][0]
                    if not working or blocks[-1][1] > latest:
                        latest = blocks[-1][1]
                    working.append((practitioner.id, blocks))
        if not working:
            grid = DayGrid(self, info, location_id, day, 0, step, 0)
            grid.closed = day in location.closed
            return grid
        # Span the grid over the hours anyone works; align it to local wall-clock multiples of
        # the step, anchored at local noon (midnight may not exist in some zones).
        anchor = local_to_epoch(day, _NOON, location.zone)
        first = earliest + geo.numbing
        last = latest - geo.practitioner_after
        s0 = first + (anchor - first) % step
        n = (last - s0) // step + 1 if last >= s0 else 0
        grid = DayGrid(self, info, location_id, day, s0, step, n)
        if n == 0:
            return grid
        grid.bounds = bounds = grid.range_mask(
            self.earliest_arrival + geo.numbing, self.latest_arrival + geo.numbing + 1
        )
        work_any = 0
        for practitioner_id, blocks in working:
            work = 0
            for block_start, block_end in blocks:
                # s - numbing >= block_start and s + practitioner_after <= block_end
                work |= grid.range_mask(
                    block_start + geo.numbing, block_end - geo.practitioner_after + 1
                )
            if work:
                grid.work_masks[practitioner_id] = work
                work_any |= work
        grid.work_any = work_any & bounds
        return grid

    def time_mask(self, info: TypeInfo, grid: DayGrid, time_range: LocalTimeRange) -> int:
        """Starts whose arrival falls in ``time_range`` (local wall-clock) on the grid's day."""
        key = (info.key, grid.location_id, grid.day, time_range)
        found = self._time_masks.get(key)
        if found is None:
            zone = self.clinic.location(grid.location_id).zone
            low = local_to_epoch(grid.day, time_range.start, zone) + info.geo.numbing
            high = local_to_epoch(grid.day, time_range.end, zone) + info.geo.numbing
            found = grid.range_mask(low, high)
            self._time_masks[key] = found
        return found

    # -- picking resources ----------------------------------------------------------------------

    def assign(
        self,
        info: TypeInfo,
        grid: DayGrid,
        k: int,
        *,
        allowed: frozenset[str] | None = None,
        prefer: Sequence[str] = (),
        taken: Sequence[Candidate] = (),
    ) -> Candidate | None:
        """Concrete resources for start ``k``: preferred practitioners first, then input order.

        ``taken`` are other appointments of the same series: a resource they already use at an
        overlapping time is skipped. Rooms and devices are chosen first-free in input order.
        """
        bit = 1 << k
        s = grid.s0 + k * grid.step
        clashes = _clashes(info.geo, s, taken) if taken else _NO_CLASHES
        practitioner = self._first_free(
            ((pid, grid.practitioner_mask.get(pid, 0)) for pid in prefer), bit, allowed,
            clashes, "p",
        ) or self._first_free(grid.practitioners, bit, allowed, clashes, "p")
        if practitioner is None:
            return None
        room = self._first_free(grid.resources.rooms, bit, None, clashes, "r")
        if room is None:
            return None
        device = None
        if info.geo.needs_device:
            device = self._first_free(grid.resources.devices, bit, None, clashes, "d")
            if device is None:
                return None
        return Candidate(info, grid.location_id, grid.day, s, practitioner, room, device)

    def assignments(
        self,
        info: TypeInfo,
        grid: DayGrid,
        k: int,
        *,
        allowed: frozenset[str] | None = None,
        prefer: Sequence[str] = (),
        taken: Sequence[Candidate] = (),
    ) -> Iterator[Candidate]:
        """Every assignment of resources at start ``k`` (preferred practitioners first).

        Needed only when the exact resources can matter to a neighbouring session of the same
        series (sessions on the same or adjacent days); otherwise :meth:`assign` suffices.
        """
        bit = 1 << k
        s = grid.s0 + k * grid.step
        clashes = _clashes(info.geo, s, taken) if taken else _NO_CLASHES

        def free(options: Iterable[tuple[str, int]], kind: str) -> list[str]:
            return [rid for rid, mask in options if mask & bit and (kind, rid) not in clashes
                    and (kind != "p" or allowed is None or rid in allowed)]

        practitioners = free(
            [*((pid, grid.practitioner_mask.get(pid, 0)) for pid in prefer), *grid.practitioners],
            "p",
        )
        found = grid.resources
        rooms = free(found.rooms, "r")
        devices: list[str | None] = list(free(found.devices, "d")) if info.geo.needs_device else [None]
        seen: set[str] = set()
        for practitioner in practitioners:
            if practitioner in seen:
                continue
            seen.add(practitioner)
            for room in rooms:
                for device in devices:
                    yield Candidate(info, grid.location_id, grid.day, s, practitioner, room, device)

    @staticmethod
    def _first_free(
        options: Iterable[tuple[str, int]],
        bit: int,
        allowed: frozenset[str] | None,
        clashes: frozenset[tuple[str, str]],
        kind: str,
    ) -> str | None:
        for resource_id, mask in options:
            if not mask & bit or (allowed is not None and resource_id not in allowed):
                continue
            if clashes and (kind, resource_id) in clashes:
                continue
            return resource_id
        return None

    def to_appointment(self, candidate: Candidate) -> Appointment:
        location = self.clinic.location(candidate.location_id)
        return Appointment.from_epoch(
            candidate.info.geo,
            candidate.info.kind.id,
            candidate.s,
            location_id=location.id,
            timezone=location.timezone,
            practitioner_id=candidate.practitioner_id,
            room_id=candidate.room_id,
            device_id=candidate.device_id,
        )

    def candidate_from(self, appointment: Appointment, info: TypeInfo) -> Candidate:
        location = self.clinic.location(appointment.location_id)
        if appointment.practitioner_id not in self.clinic.practitioners:
            raise UnknownResourceError(f"unknown practitioner {appointment.practitioner_id!r}")
        s = to_epoch(appointment.start, "appointment start")
        return Candidate(
            info, location.id, from_epoch(s).astimezone(location.zone).date(), s,
            appointment.practitioner_id, appointment.room_id, appointment.device_id,
        )


_NO_CLASHES: frozenset[tuple[str, str]] = frozenset()


def own_intervals(geo: Geometry, s: int) -> dict[str, tuple[int, int]]:
    """The intervals an appointment starting at ``s`` occupies, by resource kind."""
    return {
        "p": (s, s + geo.practitioner_after),
        "r": (s - geo.room_before, s + geo.room_after),
        "d": (s, s + geo.device_after),
    }


def _clashes(geo: Geometry, s: int, taken: Sequence[Candidate]) -> frozenset[tuple[str, str]]:
    """Resources that other appointments of the same series hold at overlapping times."""
    mine = own_intervals(geo, s)
    out = set()
    for other in taken:
        for kind, resource_id, a, b in other.resource_intervals():
            start, end = mine[kind]
            if a < end and start < b:
                out.add((kind, resource_id))
    return frozenset(out)
