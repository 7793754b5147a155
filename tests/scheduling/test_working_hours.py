"""Working hours in local time, expanded to UTC across DST changes in three zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from needlepoint.scheduling import (
    DatedShift,
    Interval,
    InvalidConfigurationError,
    UnknownTimeZoneError,
    WeeklyShift,
    WorkingPattern,
    expand,
    local_to_utc,
)
from needlepoint.scheduling.working_hours import get_zone, local_day_epoch

# (zone, spring-forward date, fall-back date) in 2026, and the offsets (hours) before/after.
TRANSITIONS = [
    ("Europe/London", date(2026, 3, 29), date(2026, 10, 25)),
    ("America/New_York", date(2026, 3, 8), date(2026, 11, 1)),
    ("Australia/Sydney", date(2026, 10, 4), date(2026, 4, 5)),
]
ALL_DAYS = tuple(WeeklyShift(d, time(9), time(17)) for d in range(7))


def one_day(zone: str, day: date, start: time, end: time) -> list[Interval]:
    pattern = WorkingPattern("x", extra=(DatedShift(day, start, end),))
    return expand(pattern, day, day, zone)


@pytest.mark.parametrize(("zone", "spring", "fall"), TRANSITIONS)
@pytest.mark.parametrize("which", ["spring", "fall"])
def test_nine_to_five_stays_local_across_both_transitions(
    zone: str, spring: date, fall: date, which: str
) -> None:
    change = spring if which == "spring" else fall
    pattern = WorkingPattern("x", weekly=ALL_DAYS)
    tz = ZoneInfo(zone)
    blocks = expand(pattern, change - timedelta(days=1), change + timedelta(days=1), zone)
    assert len(blocks) == 3
    for block in blocks:
        assert block.start.astimezone(tz).time() == time(9)
        assert block.end.astimezone(tz).time() == time(17)
        assert block.duration == timedelta(hours=8)
    # The UTC instant of "09:00" moves by exactly one hour across the change.
    before, _, after = (b.start.astimezone(UTC) for b in blocks)
    shift = (after - before) - timedelta(days=2)
    assert shift == (timedelta(hours=-1) if which == "spring" else timedelta(hours=1))


@pytest.mark.parametrize(("zone", "spring", "fall"), TRANSITIONS)
def test_a_night_shift_is_shorter_in_spring_and_longer_in_autumn(
    zone: str, spring: date, fall: date
) -> None:
    (short,) = one_day(zone, spring, time(0), time(6))
    (long,) = one_day(zone, fall, time(0), time(6))
    assert short.duration == timedelta(hours=5)
    assert long.duration == timedelta(hours=7)
    start, end = local_day_epoch(spring, get_zone(zone))
    assert end - start == 23 * 3600
    start, end = local_day_epoch(fall, get_zone(zone))
    assert end - start == 25 * 3600


@pytest.mark.parametrize(
    ("zone", "day", "wall", "expected_utc"),
    [
        # Wall times inside the spring-forward gap map to the transition instant.
        ("Europe/London", date(2026, 3, 29), time(1, 30), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
        ("America/New_York", date(2026, 3, 8), time(2, 30), datetime(2026, 3, 8, 7, 0, tzinfo=UTC)),
        ("Australia/Sydney", date(2026, 10, 4), time(2, 30), datetime(2026, 10, 3, 16, 0, tzinfo=UTC)),
    ],
)
def test_a_shift_starting_in_the_gap_begins_at_the_first_valid_instant(
    zone: str, day: date, wall: time, expected_utc: datetime
) -> None:
    assert local_to_utc(day, wall, zone) == expected_utc
    (block,) = one_day(zone, day, wall, time(6))
    assert block.start == expected_utc
    # The first valid instant is the whole hour after the gap, in local time.
    local = block.start.astimezone(ZoneInfo(zone))
    assert local.time() == time(wall.hour + 1, 0)
    assert local.utcoffset() != (block.start - timedelta(seconds=1)).astimezone(ZoneInfo(zone)).utcoffset()


@pytest.mark.parametrize(
    ("zone", "day", "wall", "first_occurrence_utc"),
    [
        ("Europe/London", date(2026, 10, 25), time(1, 30), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        ("America/New_York", date(2026, 11, 1), time(1, 30), datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),
        ("Australia/Sydney", date(2026, 4, 5), time(2, 30), datetime(2026, 4, 4, 15, 30, tzinfo=UTC)),
    ],
)
def test_an_ambiguous_wall_time_takes_its_first_occurrence(
    zone: str, day: date, wall: time, first_occurrence_utc: datetime
) -> None:
    assert local_to_utc(day, wall, zone) == first_occurrence_utc
    # The same wall time occurs again an hour later; fold=1 would have picked that one.
    second = datetime.combine(day, wall, tzinfo=ZoneInfo(zone)).replace(fold=1)
    assert second.astimezone(UTC) - first_occurrence_utc == timedelta(hours=1)
    (block,) = one_day(zone, day, wall, time(5))
    assert block.start == first_occurrence_utc


@pytest.mark.parametrize(
    ("zone", "spring", "gap_hour"),
    [("Europe/London", date(2026, 3, 29), 1), ("America/New_York", date(2026, 3, 8), 2),
     ("Australia/Sydney", date(2026, 10, 4), 2)],
)
def test_a_shift_wholly_inside_the_gap_is_empty(zone: str, spring: date, gap_hour: int) -> None:
    assert one_day(zone, spring, time(gap_hour, 10), time(gap_hour, 50)) == []


def test_closed_dates_extra_hours_and_validity_ranges() -> None:
    monday = date(2026, 6, 1)
    pattern = WorkingPattern(
        "x",
        weekly=(WeeklyShift(0, time(9), time(17)),),
        extra=(DatedShift(monday + timedelta(days=7), time(12), time(15)),
               DatedShift(monday + timedelta(days=2), time(10), time(11))),
        closed=frozenset({monday + timedelta(days=7)}),
        valid_until=monday + timedelta(days=14),
    )
    zone = "Europe/London"
    tz = ZoneInfo(zone)
    blocks = expand(pattern, monday, monday + timedelta(days=27), zone)
    spans = [(b.start.astimezone(tz).date(), b.start.astimezone(tz).time(), b.end.astimezone(tz).time())
             for b in blocks]
    assert spans == [
        (monday, time(9), time(17)),
        (monday + timedelta(days=2), time(10), time(11)),  # extra hours on a Wednesday
        (monday + timedelta(days=7), time(12), time(15)),  # closed + extra = replaced hours
        (monday + timedelta(days=14), time(9), time(17)),  # last day of validity
    ]


def test_time_off_is_cut_out_of_working_hours() -> None:
    day = date(2026, 6, 1)
    zone = "Europe/London"
    off = Interval(local_to_utc(day, time(11), zone), local_to_utc(day, time(13), zone))
    pattern = WorkingPattern("x", weekly=ALL_DAYS)
    blocks = expand(pattern, day, day, zone, time_off=[off])
    tz = ZoneInfo(zone)
    assert [(b.start.astimezone(tz).time(), b.end.astimezone(tz).time()) for b in blocks] == [
        (time(9), time(11)), (time(13), time(17))
    ]


def test_overlapping_shifts_merge() -> None:
    day = date(2026, 6, 1)
    pattern = WorkingPattern("x", weekly=(WeeklyShift(0, time(9), time(13)),
                                          WeeklyShift(0, time(12), time(17))))
    (block,) = expand(pattern, day, day, "Europe/London")
    assert block.duration == timedelta(hours=8)


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "", "../../etc/passwd"])
def test_unknown_time_zone_is_a_domain_error(name: str) -> None:
    with pytest.raises(UnknownTimeZoneError, match="time zone"):
        get_zone(name)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (time(17), time(9), "must be after start"),
        (time(9), time(9), "must be after start"),
        (time(9, tzinfo=UTC), time(17), "tzinfo"),
    ],
)
def test_bad_shifts_are_rejected(start: time, end: time, message: str) -> None:
    with pytest.raises(InvalidConfigurationError, match=message):
        WeeklyShift(0, start, end)


def test_bad_weekday_and_validity_range() -> None:
    with pytest.raises(InvalidConfigurationError, match="weekday"):
        WeeklyShift(7, time(9), time(10))
    with pytest.raises(InvalidConfigurationError, match="valid_from"):
        WorkingPattern("x", valid_from=date(2026, 2, 1), valid_until=date(2026, 1, 1))
