"""One person, one place at a time: the rule every weekly-rota write runs.

A practitioner's weekly shifts (weekday + local start/end at a location) must not overlap. The
rota set-up command (``services.rota.set_weekly_rota``), the single-shift form and
``WeeklyShift.save`` all call ``find_overlap``, so no write path can put one person in two rooms,
or two cities, at once. Shifts that only touch (one ends at 13:00, the next starts at 13:00) are
fine.

Two shifts at locations in the same time zone are compared on the wall clock: same weekday and
overlapping hours. Shifts in different zones are compared as real instants. A weekday and a
local time are not an instant, so each shift is laid out on every date it will actually fall on
over the coming year (``WEEKS_CHECKED`` weeks from ``now``'s week) and the instants
compared. A single reference week would not do: the offset between two zones changes when
either changes to or from summer time, and they do so on different dates (the US three weeks
before the EU in March, one week after in autumn; the southern hemisphere the other way round),
so two shifts that are an hour apart in January can overlap in late March. A year of real dates
meets every pair of offsets the rota will meet (as far as today's tz rules know), and it also
catches overlaps across midnight (Tuesday 00:00 in Auckland is Monday noon in London), which a
"same weekday" comparison would miss. It costs about a hundred intervals per pair of shifts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from needlepoint.clinic.clinics.models import Location
from needlepoint.clinic.errors import Conflict

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: Weeks of real dates over which shifts in different time zones are compared (a year and a bit).
WEEKS_CHECKED = 54


class ShiftLike(Protocol):
    """A weekly shift as the rule sees it: a saved ``WeeklyShift`` or a ``ShiftSpec``."""

    @property
    def weekday(self) -> int: ...
    @property
    def location(self) -> Location: ...
    @property
    def start(self) -> time: ...
    @property
    def end(self) -> time: ...


@dataclass(frozen=True)
class ShiftSpec:
    """One weekly shift to set: every `weekday` (0 = Monday) from `start` to `end`, local time."""

    weekday: int
    location: Location
    start: time
    end: time


def describe(shift: ShiftLike) -> str:
    return f"{shift.start:%H:%M}–{shift.end:%H:%M} at {shift.location.name}"


class RotaOverlap(Conflict):
    """Two of one practitioner's weekly shifts overlap. `first` and `second` are the two shifts,
    `on` the first local date (in the first's zone) they overlap, for shifts in different zones."""

    code = "rota_overlap"

    def __init__(self, first: ShiftLike, second: ShiftLike, *, on: date | None = None) -> None:
        self.first, self.second, self.on = first, second, on
        super().__init__(_message(first, second, on))


def _message(a: ShiftLike, b: ShiftLike, on: date | None) -> str:
    day_a, day_b = WEEKDAY_NAMES[a.weekday], WEEKDAY_NAMES[b.weekday]
    if on is None:  # same zone: same weekday, wall-clock times
        if a.location.pk == b.location.pk:
            return (
                f"{day_a}: the shifts {a.start:%H:%M}–{a.end:%H:%M} and {b.start:%H:%M}–{b.end:%H:%M} "
                f"at {a.location.name} overlap."
            )
        return (
            f"{day_a}: {describe(a)} and {describe(b)} overlap: one person cannot work at two "
            "locations at the same time."
        )
    return (
        f"{day_a} {describe(a)} ({a.location.timezone}) and {day_b} {describe(b)} "
        f"({b.location.timezone}) overlap in real time, e.g. on {on:%A} {on.day} {on:%B %Y}: one person "
        "cannot work at two locations at the same time."
    )


def find_overlap(
    shifts: Sequence[ShiftLike], *, now: datetime, involving: ShiftLike | None = None
) -> RotaOverlap | None:
    """The first overlap among one practitioner's `shifts`, or None. With `involving`, only
    pairs that include that shift count (a single new or edited shift checked against the rest,
    so an old overlap elsewhere in the week does not block an unrelated change)."""
    for i, a in enumerate(shifts):
        for b in shifts[i + 1 :]:
            if involving is not None and involving is not a and involving is not b:
                continue
            if a.location.timezone == b.location.timezone:
                if a.weekday == b.weekday and a.start < b.end and b.start < a.end:
                    return RotaOverlap(a, b)
            elif (on := _first_overlap_in_real_time(a, b, now)) is not None:
                return RotaOverlap(a, b, on=on)
    return None


def check_rota(shifts: Sequence[ShiftLike], *, now: datetime, involving: ShiftLike | None = None) -> None:
    """Raise ``RotaOverlap`` for the first overlap ``find_overlap`` finds."""
    if (problem := find_overlap(shifts, now=now, involving=involving)) is not None:
        raise problem


def _occurrences(shift: ShiftLike, first_monday: date) -> list[tuple[datetime, datetime, date]]:
    zone = ZoneInfo(shift.location.timezone)
    out = []
    for week in range(WEEKS_CHECKED):
        day = first_monday + timedelta(days=7 * week + shift.weekday)
        start = datetime.combine(day, shift.start, tzinfo=zone).astimezone(UTC)
        end = datetime.combine(day, shift.end, tzinfo=zone).astimezone(UTC)
        out.append((start, end, day))
    return out


def _first_overlap_in_real_time(a: ShiftLike, b: ShiftLike, now: datetime) -> date | None:
    today = now.astimezone(UTC).date()
    first_monday = today - timedelta(days=today.weekday())
    bs = _occurrences(b, first_monday)
    j = 0
    # Both lists are in time order and each shift's occurrences a week apart: one sweep.
    for a_start, a_end, a_day in _occurrences(a, first_monday):
        while j < len(bs) and bs[j][1] <= a_start:
            j += 1
        k = j
        while k < len(bs) and bs[k][0] < a_end:
            if bs[k][1] > a_start:
                return a_day
            k += 1
    return None
