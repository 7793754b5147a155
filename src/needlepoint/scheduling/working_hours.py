"""Working hours as local-time rules, expanded to UTC instants with ``zoneinfo``.

A shift is written in the location's wall-clock time ("Mon 09:00-17:00 Europe/London") so it
stays 09:00 local across DST changes. Two wall times need a rule:

* **Non-existent** (inside a spring-forward gap, e.g. 01:30 in London on the last Sunday of
  March): the time maps to the first valid instant after the gap, i.e. the transition itself.
  A shift 01:30-04:00 therefore starts at 02:00 BST; a shift lying wholly inside the gap is empty.
* **Ambiguous** (inside a fall-back overlap, e.g. 01:30 in London on the last Sunday of October):
  ``fold=0``, the first occurrence (summer time), for both shift starts and ends.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from needlepoint.scheduling.errors import InvalidConfigurationError, UnknownTimeZoneError
from needlepoint.scheduling.intervals import Interval, from_epoch, to_epoch

_DAY = timedelta(days=1)


@lru_cache(maxsize=512)
def get_zone(name: str) -> ZoneInfo:
    """The ``ZoneInfo`` for an IANA name, or :class:`UnknownTimeZoneError`."""
    if not isinstance(name, str) or not name:
        raise UnknownTimeZoneError(f"time zone must be a non-empty IANA name, got {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise UnknownTimeZoneError(f"unknown time zone {name!r} (expected e.g. 'Europe/London')") from exc


def _wall(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None, fold=0)


_EPOCH_DATE = date(1970, 1, 1)


@lru_cache(maxsize=65536)
def _uniform_offset(zone: ZoneInfo, day: date) -> int | None:
    """The UTC offset (seconds) in force all day, or ``None`` on a transition day."""
    start = datetime.combine(day, time(0), tzinfo=zone).utcoffset()
    end = datetime.combine(day + _DAY, time(0), tzinfo=zone).utcoffset()
    if start is None or start != end:
        return None
    return int(start.total_seconds())


def local_to_epoch(day: date, at: time, zone: ZoneInfo) -> int:
    """Epoch seconds of wall time ``at`` on ``day`` in ``zone`` (gap and fold rules above)."""
    offset = _uniform_offset(zone, day)
    if offset is not None:  # fast path: no transition that day, plain arithmetic
        return (
            (day - _EPOCH_DATE).days * 86400 + at.hour * 3600 + at.minute * 60 + at.second - offset
        )
    naive = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    guess = naive.replace(tzinfo=zone)  # fold=0: first occurrence when ambiguous
    instant = to_epoch(guess)
    if _wall(from_epoch(instant).astimezone(zone)) == naive:
        return instant
    # The wall time does not exist. zoneinfo resolved it with the pre-transition offset, which
    # lands after the transition; the transition lies between the fold=1 and fold=0 readings.
    low = to_epoch(naive.replace(tzinfo=zone, fold=1))
    high = instant
    if low > high:
        low, high = high, low
    offset_before = from_epoch(low).astimezone(zone).utcoffset()
    while high - low > 1:
        mid = (low + high) // 2
        if from_epoch(mid).astimezone(zone).utcoffset() == offset_before:
            low = mid
        else:
            high = mid
    return high


def local_to_utc(day: date, at: time, zone: ZoneInfo | str) -> datetime:
    """Aware UTC datetime of wall time ``at`` on ``day`` (gap and fold rules above)."""
    tz = get_zone(zone) if isinstance(zone, str) else zone
    return from_epoch(local_to_epoch(day, at, tz))


def local_day_epoch(day: date, zone: ZoneInfo) -> tuple[int, int]:
    """``[start, end)`` of a local calendar day (23 or 25 hours long on DST change days)."""
    return local_to_epoch(day, time(0), zone), local_to_epoch(day + _DAY, time(0), zone)


def local_date(instant: datetime, zone: ZoneInfo | str) -> date:
    tz = get_zone(zone) if isinstance(zone, str) else zone
    return instant.astimezone(tz).date()


def _check_times(start: time, end: time, what: str) -> None:
    if not isinstance(start, time) or not isinstance(end, time):
        raise InvalidConfigurationError(f"{what}: start and end must be datetime.time values")
    if start.tzinfo is not None or end.tzinfo is not None:
        raise InvalidConfigurationError(
            f"{what}: shift times are local wall-clock times and must not carry a tzinfo"
        )
    if end <= start:
        raise InvalidConfigurationError(
            f"{what}: end {end.isoformat()} must be after start {start.isoformat()} "
            "(shifts may not cross midnight; split them at 00:00)"
        )


@dataclass(frozen=True, slots=True)
class WeeklyShift:
    """A recurring shift: ``weekday`` 0 = Monday ... 6 = Sunday, local wall-clock times."""

    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        if not isinstance(self.weekday, int) or not 0 <= self.weekday <= 6:
            raise InvalidConfigurationError(f"weekday must be 0 (Monday) .. 6 (Sunday), got {self.weekday!r}")
        _check_times(self.start, self.end, f"weekly shift on weekday {self.weekday}")


@dataclass(frozen=True, slots=True)
class DatedShift:
    """Extra working hours on one local date."""

    day: date
    start: time
    end: time

    def __post_init__(self) -> None:
        _check_times(self.start, self.end, f"extra hours on {self.day}")


@dataclass(frozen=True, slots=True)
class WorkingPattern:
    """Where and when a practitioner works: a weekly pattern at one location plus exceptions.

    ``closed`` dates suppress the weekly shifts of that date; ``extra`` shifts are always added,
    so *closed + extra on the same date* replaces that day's hours. ``valid_from``/``valid_until``
    (inclusive) bound the weekly pattern so rota changes can be expressed as several patterns.
    """

    location_id: str
    weekly: tuple[WeeklyShift, ...] = ()
    extra: tuple[DatedShift, ...] = ()
    closed: frozenset[date] = field(default_factory=frozenset)
    valid_from: date | None = None
    valid_until: date | None = None
    # Lookup tables built once (expansion runs for every practitioner on every searched day):
    # shifts per weekday and per extra date, as wall-clock seconds since local midnight.
    _by_weekday: tuple[tuple[tuple[int, int], ...], ...] = field(
        init=False, repr=False, compare=False, hash=False
    )
    _by_date: dict[date, tuple[tuple[int, int], ...]] = field(
        init=False, repr=False, compare=False, hash=False
    )
    plain: bool = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "weekly", tuple(self.weekly))
        object.__setattr__(self, "extra", tuple(self.extra))
        object.__setattr__(self, "closed", frozenset(self.closed))
        if self.valid_from and self.valid_until and self.valid_from > self.valid_until:
            raise InvalidConfigurationError(
                f"working pattern at {self.location_id}: valid_from {self.valid_from} "
                f"is after valid_until {self.valid_until}"
            )
        object.__setattr__(self, "_by_weekday", tuple(
            tuple((_secs(s.start), _secs(s.end)) for s in self.weekly if s.weekday == weekday)
            for weekday in range(7)
        ))
        by_date: dict[date, list[tuple[int, int]]] = {}
        for extra in self.extra:
            by_date.setdefault(extra.day, []).append((_secs(extra.start), _secs(extra.end)))
        object.__setattr__(self, "_by_date", {d: tuple(v) for d, v in by_date.items()})
        object.__setattr__(self, "plain", not (
            self.extra or self.closed or self.valid_from or self.valid_until
        ))

    def seconds_on(self, day: date) -> Sequence[tuple[int, int]]:
        """Shifts on ``day`` as wall-clock seconds since local midnight."""
        if self.plain:
            return self._by_weekday[day.weekday()]
        shifts: list[tuple[int, int]] = []
        if (
            (self.valid_from is None or day >= self.valid_from)
            and (self.valid_until is None or day <= self.valid_until)
            and day not in self.closed
        ):
            shifts.extend(self._by_weekday[day.weekday()])
        shifts.extend(self._by_date.get(day, ()))
        return shifts

    def shifts_on(self, day: date) -> list[tuple[time, time]]:
        """Local ``(start, end)`` wall times worked on ``day``."""
        return [(_time(a), _time(b)) for a, b in self.seconds_on(day)]


def _secs(at: time) -> int:
    return at.hour * 3600 + at.minute * 60 + at.second


def _time(seconds: int) -> time:
    return time(seconds // 3600, seconds // 60 % 60, seconds % 60)


def merge_epoch(blocks: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sort and merge overlapping or touching ``(start, end)`` blocks; drops empty ones."""
    if isinstance(blocks, list) and len(blocks) == 1 and blocks[0][1] > blocks[0][0]:
        return blocks
    merged: list[tuple[int, int]] = []
    for start, end in sorted(b for b in blocks if b[1] > b[0]):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def subtract_epoch(
    blocks: list[tuple[int, int]], holes: Iterable[tuple[int, int]]
) -> list[tuple[int, int]]:
    """``blocks`` minus ``holes`` (both sorted lists of disjoint blocks)."""
    result = blocks
    if isinstance(holes, list):
        # Only holes overlapping the blocks matter; find the first by bisection on hole ends.
        i = bisect_right(holes, blocks[0][0], key=_end)
        limit = blocks[-1][1]
        relevant = []
        while i < len(holes) and holes[i][0] < limit:
            relevant.append(holes[i])
            i += 1
        holes = relevant
    for hole_start, hole_end in holes:
        next_result: list[tuple[int, int]] = []
        for start, end in result:
            if hole_end <= start or hole_start >= end:
                next_result.append((start, end))
                continue
            if start < hole_start:
                next_result.append((start, hole_start))
            if hole_end < end:
                next_result.append((hole_end, end))
        result = next_result
    return result


def _end(block: tuple[int, int]) -> int:
    return block[1]


def expand_plain(pattern: WorkingPattern, day: date, zone: ZoneInfo) -> list[tuple[int, int]]:
    """:func:`expand_epoch` for one exception-free pattern without time off (the hot path)."""
    shifts = pattern._by_weekday[day.weekday()]
    if not shifts:
        return []
    offset = _uniform_offset(zone, day)
    if offset is None:
        return expand_epoch((pattern,), day, zone)
    base = (day - _EPOCH_DATE).days * 86400 - offset
    if len(shifts) == 1:
        a, b = shifts[0]
        return [(base + a, base + b)]
    return merge_epoch([(base + a, base + b) for a, b in shifts])


def expand_epoch(
    patterns: Iterable[WorkingPattern],
    day: date,
    zone: ZoneInfo,
    time_off: list[tuple[int, int]] | tuple[()] = (),
) -> list[tuple[int, int]]:
    """Working blocks on local ``day`` as merged epoch-second pairs, minus ``time_off``
    (a sorted list of disjoint epoch-second pairs)."""
    shifts = [shift for pattern in patterns for shift in pattern.seconds_on(day)]
    if not shifts:
        return []
    offset = _uniform_offset(zone, day)
    if offset is not None:  # no DST change that day: plain arithmetic
        base = (day - _EPOCH_DATE).days * 86400 - offset
        blocks = [(base + a, base + b) for a, b in shifts]
    else:
        blocks = [
            (local_to_epoch(day, _time(a), zone), local_to_epoch(day, _time(b), zone))
            for a, b in shifts
        ]
    blocks = merge_epoch(blocks)
    if not blocks or not time_off:
        return blocks
    return subtract_epoch(blocks, time_off if isinstance(time_off, list) else list(time_off))


def expand(
    pattern: WorkingPattern, first: date, last: date, zone: ZoneInfo | str,
    time_off: Iterable[Interval] = (),
) -> list[Interval]:
    """Working intervals of ``pattern`` for local dates ``first..last`` (inclusive), in UTC."""
    tz = get_zone(zone) if isinstance(zone, str) else zone
    holes = merge_epoch(iv.epoch() for iv in time_off)
    out: list[Interval] = []
    day = first
    while day <= last:
        out.extend(Interval.from_epoch(s, e) for s, e in expand_epoch([pattern], day, tz, holes))
        day += _DAY
    return out

