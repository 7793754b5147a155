"""Half-open intervals and the bisect-based busy calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from needlepoint.scheduling import (
    BusyCalendar,
    Calendars,
    Interval,
    InvalidIntervalError,
    NaiveDatetimeError,
    overlaps,
)
from needlepoint.scheduling.intervals import to_epoch, to_epoch_ceil

T0 = datetime(2027, 3, 1, 9, tzinfo=UTC)


def iv(a: int, b: int) -> Interval:
    """Minutes after T0."""
    return Interval(T0 + timedelta(minutes=a), T0 + timedelta(minutes=b))


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((0, 60), (60, 120), False),  # touching: back to back is allowed
        ((0, 60), (59, 120), True),
        ((0, 60), (10, 20), True),  # containment
        ((10, 20), (0, 60), True),
        ((0, 60), (70, 80), False),
        ((0, 60), (0, 60), True),
    ],
)
def test_overlaps_is_half_open(a: tuple[int, int], b: tuple[int, int], expected: bool) -> None:
    assert overlaps(iv(*a), iv(*b)) is expected
    assert overlaps(iv(*b), iv(*a)) is expected


def test_interval_rejects_naive_and_empty() -> None:
    with pytest.raises(NaiveDatetimeError, match="naive"):
        Interval(datetime(2027, 1, 1, 9), datetime(2027, 1, 1, 10, tzinfo=UTC))
    with pytest.raises(InvalidIntervalError, match="after its start"):
        Interval(T0, T0)
    with pytest.raises(InvalidIntervalError, match="after its start"):
        Interval(T0, T0 - timedelta(minutes=1))


def test_interval_normalises_to_utc() -> None:
    paris = timezone(timedelta(hours=1))
    a = Interval(datetime(2027, 3, 1, 10, tzinfo=paris), datetime(2027, 3, 1, 11, tzinfo=paris))
    assert a == iv(0, 60)
    assert a.start.tzinfo is UTC
    assert a.contains(T0) and not a.contains(T0 + timedelta(hours=1))


def test_epoch_rounding_never_shrinks_busy_time() -> None:
    moment = T0 + timedelta(microseconds=1)
    assert to_epoch(moment) == to_epoch(T0)
    assert to_epoch_ceil(moment) == to_epoch(T0) + 1


def test_busy_calendar_merges_and_answers() -> None:
    cal = BusyCalendar([iv(0, 60), iv(60, 90), iv(120, 150), iv(130, 140)])
    assert len(cal) == 2  # [0, 90) and [120, 150)
    assert cal.is_free(iv(90, 120))
    assert not cal.is_free(iv(89, 91))
    assert not cal.is_free(iv(125, 126))
    assert cal.is_free(iv(150, 500))
    assert cal.busy_in(iv(80, 125)) == [iv(0, 90), iv(120, 150)]
    assert cal.next_free(T0, timedelta(minutes=30)) == T0 + timedelta(minutes=90)
    assert cal.next_free(T0, timedelta(minutes=31)) == T0 + timedelta(minutes=150)


def test_busy_calendar_add_and_remove() -> None:
    cal = BusyCalendar()
    cal.add(iv(0, 10))
    cal.add(iv(20, 30))
    cal.add(iv(10, 20))  # bridges both
    assert len(cal) == 1
    cal.remove(iv(5, 25))
    assert cal.busy_in(iv(0, 60)) == [iv(0, 5), iv(25, 30)]
    cal.remove(iv(100, 200))  # nothing there: no-op
    assert len(cal) == 2


def test_calendars_without_copies_only_what_it_touches() -> None:
    cals = Calendars.from_intervals(rooms={"r1": [iv(0, 60)], "r2": [iv(0, 60)]})
    room_r2 = cals.rooms["r2"]
    from needlepoint.scheduling import Appointment, AppointmentType

    kind = AppointmentType("t", timedelta(minutes=45), numbing=timedelta(minutes=15),
                           cleaning=timedelta(0))
    appt = Appointment.build(kind, T0 + timedelta(minutes=15), location_id="l",
                             timezone="Europe/London", practitioner_id="p", room_id="r1")
    freed = cals.without([appt])
    assert freed.rooms["r1"].is_free(iv(0, 60))
    assert not cals.rooms["r1"].is_free(iv(0, 60))  # the original is untouched
    assert freed.rooms["r2"] is room_r2


UNIT = 3600  # hours, so the random calendars span many ~6-day index buckets
intervals = st.lists(
    st.tuples(st.integers(0, 2000), st.integers(1, 400)).map(lambda t: (t[0], t[0] + t[1])),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(intervals, st.integers(0, 2100), st.integers(1, 300), intervals)
def test_busy_calendar_matches_brute_force(
    stored: list[tuple[int, int]], start: int, length: int, removed: list[tuple[int, int]]
) -> None:
    cal = BusyCalendar()
    for a, b in stored:
        cal.add_epoch(a * UNIT, b * UNIT)
    bulk = BusyCalendar.from_epoch_pairs((a * UNIT, b * UNIT) for a, b in stored)
    hours: set[int] = set()
    for a, b in stored:
        hours.update(range(a, b))
    for a, b in removed[:3]:
        cal.remove_epoch(a * UNIT, b * UNIT)
        bulk.remove_epoch(a * UNIT, b * UNIT)
        hours.difference_update(range(a, b))
    lo, hi = start * UNIT, (start + length) * UNIT
    expected = not any(h in hours for h in range(start, start + length))
    for calendar in (cal, bulk, cal.copy()):
        assert calendar.is_free_epoch(lo, hi) is expected
        blocks = calendar.pairs()
        assert blocks == sorted(blocks)
        assert all(a < b for a, b in blocks)
        assert all(b1 < a2 for (_, b1), (a2, _) in pairwise(blocks))  # disjoint, not touching
        assert calendar.segments(lo, hi) == [(a, b) for a, b in blocks if a < hi and lo < b]
        # The bucket index agrees with the full lists for one-hour probes everywhere.
        assert all(calendar.is_free_epoch(h * UNIT, (h + 1) * UNIT) is (h not in hours)
                   for h in range(0, 2500, 7))
    nxt = cal.next_free_epoch(lo, length * UNIT)
    assert nxt >= lo and nxt % UNIT == 0
    first = nxt // UNIT
    assert not any(h in hours for h in range(first, first + length))
    assert all(any(h in hours for h in range(t, t + length)) for t in range(start, first))
