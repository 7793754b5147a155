"""Busy calendars: per-resource merged busy blocks, bucketed by week, queried with ``bisect``.

Each resource keeps its busy time as disjoint, non-touching blocks (overlapping and touching
bookings merge). Two views of the same blocks are maintained:

* the full sorted lists of block starts and ends (epoch seconds), used for updates; and
* an index of fixed ~6-day *buckets* (``t >> 19`` seconds), each holding the sorted blocks that
  overlap it. A query looks up the one or two buckets its window touches and bisects only
  those short lists, so its cost depends on how busy that window is, not on how many blocks
  the calendar stores in total, and its memory traffic stays inside the buckets it reads
  (years of history do not evict the searched weeks from the CPU caches).
  See ``bench/bench_series_search.py`` for 20 k vs 1 M stored appointments.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from needlepoint.scheduling.errors import InvalidIntervalError
from needlepoint.scheduling.intervals import Interval, from_epoch, seconds, to_epoch

if TYPE_CHECKING:
    from needlepoint.scheduling.appointments import Appointment

SHIFT = 19  # bucket = 2**19 s, about six days: a day's queries touch one bucket, rarely two
_Bucket = tuple[list[int], list[int]]


class BusyCalendar:
    """Busy time of one resource (a practitioner, a room or a device).

    Overlapping and touching intervals are merged on insertion: the calendar answers "is this
    resource free?", not "which booking is this?" (the database keeps the bookings).
    """

    __slots__ = ("_buckets", "_ends", "_starts")

    def __init__(self, intervals: Iterable[Interval] = ()) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._buckets: dict[int, _Bucket] = {}
        self._load(iv.epoch() for iv in intervals)

    @classmethod
    def from_epoch_pairs(cls, pairs: Iterable[tuple[int, int]]) -> BusyCalendar:
        """Bulk constructor from ``(start, end)`` epoch seconds (fast path for large loads)."""
        calendar = cls()
        calendar._load(pairs)
        return calendar

    def _load(self, pairs: Iterable[tuple[int, int]]) -> None:
        # Sorting once and merging in one pass is O(n log n); n inserts would be O(n^2).
        items = sorted([*zip(self._starts, self._ends, strict=True), *pairs])
        starts: list[int] = []
        ends: list[int] = []
        for start, end in items:
            if end <= start:
                raise InvalidIntervalError(f"busy interval end {end} must be after start {start}")
            if ends and start <= ends[-1]:
                if end > ends[-1]:
                    ends[-1] = end
            else:
                starts.append(start)
                ends.append(end)
        self._starts, self._ends = starts, ends
        buckets: dict[int, _Bucket] = {}
        for start, end in zip(starts, ends, strict=True):
            for key in range(start >> SHIFT, ((end - 1) >> SHIFT) + 1):
                bucket = buckets.get(key)
                if bucket is None:
                    buckets[key] = ([start], [end])
                else:
                    bucket[0].append(start)
                    bucket[1].append(end)
        self._buckets = buckets

    def _reindex(self, low: int, high: int) -> None:
        """Rebuild the buckets overlapping ``[low, high)`` from the full lists."""
        starts, ends = self._starts, self._ends
        for key in range(low >> SHIFT, ((high - 1) >> SHIFT) + 1):
            begin = key << SHIFT
            finish = begin + (1 << SHIFT)
            i = bisect_right(ends, begin)
            j = bisect_left(starts, finish)
            if i < j:
                self._buckets[key] = (starts[i:j], ends[i:j])
            else:
                self._buckets.pop(key, None)

    # -- mutation ---------------------------------------------------------------------------

    def add(self, interval: Interval) -> None:
        """Mark ``interval`` busy (merging with neighbouring blocks)."""
        self.add_epoch(*interval.epoch())

    def add_epoch(self, start: int, end: int) -> None:
        if end <= start:
            raise InvalidIntervalError(f"busy interval end {end} must be after start {start}")
        starts, ends = self._starts, self._ends
        # Blocks that overlap or touch [start, end) are i..j-1.
        i = bisect_left(ends, start)
        j = bisect_right(starts, end)
        if i < j:
            start = min(start, starts[i])
            end = max(end, ends[j - 1])
        starts[i:j] = [start]
        ends[i:j] = [end]
        self._reindex(start, end)

    def remove(self, interval: Interval) -> None:
        """Make ``interval`` free again (carve it out of whatever blocks cover it).

        Used to take a series' own bookings out before re-validating it. It assumes the removed
        booking does not overlap another busy entry of the same resource, which the database's
        no-double-booking constraint guarantees for appointments.
        """
        self.remove_epoch(*interval.epoch())

    def remove_epoch(self, start: int, end: int) -> None:
        starts, ends = self._starts, self._ends
        i = bisect_right(ends, start)
        j = bisect_left(starts, end)
        if i >= j:
            return
        low, high = starts[i], ends[j - 1]
        pieces_s: list[int] = []
        pieces_e: list[int] = []
        if low < start:
            pieces_s.append(low)
            pieces_e.append(start)
        if high > end:
            pieces_s.append(end)
            pieces_e.append(high)
        starts[i:j] = pieces_s
        ends[i:j] = pieces_e
        self._reindex(low, high)

    def copy(self) -> BusyCalendar:
        clone = BusyCalendar()
        clone._starts = self._starts.copy()
        clone._ends = self._ends.copy()
        clone._buckets = {key: (b[0].copy(), b[1].copy()) for key, b in self._buckets.items()}
        return clone

    # -- queries ----------------------------------------------------------------------------

    def __len__(self) -> int:
        """Number of merged busy blocks."""
        return len(self._starts)

    def is_free(self, interval: Interval) -> bool:
        """True if no busy block overlaps ``interval`` (half-open; touching is free)."""
        return self.is_free_epoch(*interval.epoch())

    def is_free_epoch(self, start: int, end: int) -> bool:
        buckets = self._buckets
        first = start >> SHIFT
        if (end - 1) >> SHIFT == first:  # the common case: one bucket
            bucket = buckets.get(first)
            if bucket is None:
                return True
            i = bisect_right(bucket[1], start)
            return i == len(bucket[0]) or bucket[0][i] >= end
        return not any(
            i < len(bucket_starts) and bucket_starts[i] < end
            for bucket_starts, _, i in self._spanned(start, end)
        )

    def segments(self, start: int, end: int) -> list[tuple[int, int]]:
        """Busy blocks overlapping ``[start, end)`` in time order, each once."""
        buckets = self._buckets
        first = start >> SHIFT
        if (end - 1) >> SHIFT == first:  # the common case: one bucket
            bucket = buckets.get(first)
            if bucket is None:
                return []
            bucket_starts, bucket_ends = bucket
            i = bisect_right(bucket_ends, start)
            j = bisect_left(bucket_starts, end, i)
            return list(zip(bucket_starts[i:j], bucket_ends[i:j], strict=True))
        out: list[tuple[int, int]] = []
        for bucket_starts, bucket_ends, i in self._spanned(start, end):
            count = len(bucket_starts)
            while i < count and bucket_starts[i] < end:
                out.append((bucket_starts[i], bucket_ends[i]))
                i += 1
        return out

    def _spanned(self, start: int, end: int) -> Iterator[tuple[list[int], list[int], int]]:
        """Each bucket ``[start, end)`` spans that holds blocks: its starts, its ends and the index
        of its first block that may overlap. In later buckets blocks that began earlier are
        skipped: an earlier bucket holds them too."""
        first = start >> SHIFT
        for key in range(first, ((end - 1) >> SHIFT) + 1):
            bucket = self._buckets.get(key)
            if bucket is not None:
                bucket_starts, bucket_ends = bucket
                i = (
                    bisect_right(bucket_ends, start) if key == first
                    else bisect_left(bucket_starts, key << SHIFT)
                )
                yield bucket_starts, bucket_ends, i

    def blocks_epoch(self, start: int, end: int) -> Iterator[tuple[int, int]]:
        """Busy blocks overlapping ``[start, end)`` in time order."""
        return iter(self.segments(start, end))

    def busy_in(self, window: Interval) -> list[Interval]:
        """Busy blocks overlapping ``window`` (unclipped)."""
        return [Interval.from_epoch(s, e) for s, e in self.segments(*window.epoch())]

    def next_free(self, after: datetime, length: timedelta) -> datetime:
        """The earliest instant ``t >= after`` such that ``[t, t + length)`` is free."""
        need = seconds(length, "length")
        if need <= 0:
            raise InvalidIntervalError(f"length {length} must be positive")
        return from_epoch(self.next_free_epoch(to_epoch(after, "after"), need))

    def next_free_epoch(self, start: int, length: int) -> int:
        # A forward scan, so it uses the full lists (it may run past any bucket).
        starts, ends = self._starts, self._ends
        i = bisect_right(ends, start)
        n = len(starts)
        while i < n and starts[i] < start + length:
            start = ends[i]
            i += 1
        return start

    def pairs(self) -> list[tuple[int, int]]:
        """All merged blocks as ``(start, end)`` epoch seconds."""
        return list(zip(self._starts, self._ends, strict=True))


_EMPTY = BusyCalendar()


@dataclass
class Calendars:
    """Busy calendars of every resource, keyed by resource id and split by kind.

    Practitioner calendars hold appointments (any location) and other busy time; time off can go
    either here or in :attr:`Practitioner.time_off`. A resource without an entry is free.
    Treat an instance as a snapshot while a :class:`Scheduler` uses it: the scheduler caches
    per-day availability and does not see later changes.
    """

    practitioners: dict[str, BusyCalendar] = field(default_factory=dict)
    rooms: dict[str, BusyCalendar] = field(default_factory=dict)
    devices: dict[str, BusyCalendar] = field(default_factory=dict)

    @classmethod
    def from_intervals(
        cls,
        practitioners: Mapping[str, Iterable[Interval]] | None = None,
        rooms: Mapping[str, Iterable[Interval]] | None = None,
        devices: Mapping[str, Iterable[Interval]] | None = None,
    ) -> Calendars:
        """Build calendars from ``{resource_id: [Interval, ...]}`` mappings."""

        def build(source: Mapping[str, Iterable[Interval]] | None) -> dict[str, BusyCalendar]:
            return {key: BusyCalendar(value) for key, value in (source or {}).items()}

        return cls(build(practitioners), build(rooms), build(devices))

    def practitioner(self, practitioner_id: str) -> BusyCalendar:
        return self.practitioners.get(practitioner_id, _EMPTY)

    def room(self, room_id: str) -> BusyCalendar:
        return self.rooms.get(room_id, _EMPTY)

    def device(self, device_id: str) -> BusyCalendar:
        return self.devices.get(device_id, _EMPTY)

    def book(self, appointment: Appointment) -> None:
        """Mark the resources of ``appointment`` busy for the intervals it occupies them."""
        self.practitioners.setdefault(appointment.practitioner_id, BusyCalendar()).add(
            appointment.practitioner_interval
        )
        self.rooms.setdefault(appointment.room_id, BusyCalendar()).add(appointment.room_interval)
        if appointment.device_id is not None and appointment.device_interval is not None:
            self.devices.setdefault(appointment.device_id, BusyCalendar()).add(
                appointment.device_interval
            )

    def without(self, appointments: Iterable[Appointment]) -> Calendars:
        """A copy with the intervals of ``appointments`` made free again.

        Only the calendars those appointments touch are copied; the others are shared.
        """
        result = Calendars(dict(self.practitioners), dict(self.rooms), dict(self.devices))
        copied: set[tuple[str, str]] = set()

        def writable(kind: str, table: dict[str, BusyCalendar], key: str) -> BusyCalendar | None:
            if key not in table:
                return None
            if (kind, key) not in copied:
                table[key] = table[key].copy()
                copied.add((kind, key))
            return table[key]

        for appt in appointments:
            cal = writable("p", result.practitioners, appt.practitioner_id)
            if cal is not None:
                cal.remove(appt.practitioner_interval)
            cal = writable("r", result.rooms, appt.room_id)
            if cal is not None:
                cal.remove(appt.room_interval)
            if appt.device_id is not None and appt.device_interval is not None:
                cal = writable("d", result.devices, appt.device_id)
                if cal is not None:
                    cal.remove(appt.device_interval)
        return result
