"""Pure parts of the CSV import, checked by properties: the bulk overlap sweep against a
brute-force pairwise check, dates in every accepted form, local times across DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from needlepoint.interop.csv_common import (
    header_map,
    local_to_utc,
    parse_date,
    parse_time,
    unsafe_cell,
)
from needlepoint.interop.csv_conflicts import Busy, find_clashes
from needlepoint.interop.csv_writer import safe_cell

T0 = datetime(2027, 1, 1, tzinfo=UTC)


@st.composite
def busy(draw: st.DrawFn, new: bool) -> Busy:
    start = draw(st.integers(0, 200))
    length = draw(st.integers(1, 40))
    key = ("room", draw(st.integers(1, 3)))
    line = draw(st.integers(2, 10_000)) if new else None
    return Busy(
        key, T0 + timedelta(minutes=start), T0 + timedelta(minutes=start + length), line, None if new else 7
    )


def _overlap(a: Busy, b: Busy) -> bool:
    return a.key == b.key and a.start < b.end and b.start < a.end


@given(
    st.lists(busy(new=False), max_size=15), st.lists(busy(new=True), max_size=15, unique_by=lambda b: b.line)
)
def test_sweep_agrees_with_pairwise_check(stored: list[Busy], new: list[Busy]) -> None:
    clashes = find_clashes(stored + new)
    flagged = {(c.line, c.key) for c in clashes}
    # Every new row overlapping a stored one is flagged …
    for n in new:
        if any(_overlap(n, s) for s in stored):
            assert (n.line, n.key) in flagged
    # … every pair of overlapping rows has at least one member flagged …
    for i, a in enumerate(new):
        for b in new[i + 1 :]:
            if _overlap(a, b):
                assert (a.line, a.key) in flagged or (b.line, b.key) in flagged
    # … and every clash names a real overlap.
    by_line = {n.line: n for n in new}
    for c in clashes:
        me = by_line[c.line]
        if c.other_line is not None:
            assert _overlap(me, by_line[c.other_line])
        else:
            assert any(_overlap(me, s) for s in stored)


@given(st.dates(date(1900, 1, 1), date(2100, 12, 31)))
def test_dates_in_iso_and_both_locale_orders(d: date) -> None:
    assert parse_date(d.isoformat(), "en-GB") == d
    assert parse_date(f"{d.day:02d}/{d.month:02d}/{d.year}", "en-GB") == d
    assert parse_date(f"{d.day}.{d.month}.{d.year}", "de-DE") == d
    assert parse_date(f"{d.month}/{d.day}/{d.year}", "en-US") == d
    assert parse_date(f"{d.year}/{d.month:02d}/{d.day:02d}", "en-US") == d


@pytest.mark.parametrize("text", ["13/13/2000", "1/2/85", "yesterday", "2000-02-30", ""])
def test_bad_dates_say_why(text: str) -> None:
    with pytest.raises(ValueError, match=r"date|year"):
        parse_date(text, "en-GB")


def test_times_and_dst() -> None:
    assert parse_time("9:05") == time(9, 5) and parse_time("2.30 pm") == time(14, 30)
    assert parse_time("12:00am") == time(0, 0)
    london = "Europe/London"
    assert local_to_utc(date(2027, 7, 1), time(9), london) == datetime(2027, 7, 1, 8, tzinfo=UTC)
    with pytest.raises(ValueError, match="does not exist"):
        local_to_utc(date(2027, 3, 28), time(1, 30), london)
    with pytest.raises(ValueError, match="happens twice"):
        local_to_utc(date(2027, 10, 31), time(1, 30), london)


@given(
    st.datetimes(datetime(2000, 1, 1), datetime(2040, 1, 1)),
    st.sampled_from(["America/New_York", "Australia/Sydney"]),
)
def test_local_times_round_trip_or_are_refused(naive: datetime, zone: str) -> None:
    try:
        utc = local_to_utc(naive.date(), naive.time(), zone)
    except ValueError:
        return  # a gap or an overlap
    assert utc.astimezone(ZoneInfo(zone)).replace(tzinfo=None) == naive


def test_header_aliases() -> None:
    found = header_map(
        ["\ufeffForename", "SURNAME", "D.O.B.", "Notes"],
        {"first_name": ("forename",), "last_name": ("surname",), "date_of_birth": ("dob", "d.o.b.")},
    )
    assert found == {"first_name": "\ufeffForename", "last_name": "SURNAME", "date_of_birth": "D.O.B."}


@given(st.text(max_size=20))
def test_formula_guard_round_trips(value: str) -> None:
    cell = str(safe_cell(value))
    assert not cell.startswith(("=", "+", "@"))  # "-" only before a plain number: test_csv_writer
    assert unsafe_cell(cell) == value


@pytest.mark.parametrize("value", ["'=1+1", "''", "'", "=SUM(A1)", "-3", "@x", "plain"])
def test_formula_guard_examples(value: str) -> None:
    assert unsafe_cell(str(safe_cell(value))) == value
