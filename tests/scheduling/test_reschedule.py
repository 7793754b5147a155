"""Moving one session of a booked series and repairing the sessions after it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from needlepoint.scheduling import (
    Appointment,
    Calendars,
    Clinic,
    Interval,
    InvalidConfigurationError,
    NaiveDatetimeError,
    Preferences,
    SamePractitioner,
    SeriesRequest,
    ViolationCode,
)

from .helpers import at, clinic, practitioner, scheduler, treatment

LONDON = "Europe/London"
D = date(2027, 6, 7)
NOW = datetime(2027, 6, 1, tzinfo=UTC)
KIND = treatment()


def day(n: int) -> date:
    return D + timedelta(days=n)


def book(offsets: list[int], practitioner_id: str = "p1", hour: int = 10) -> list[Appointment]:
    return [
        Appointment.build(KIND, at(LONDON, day(n), hour), location_id="soho", timezone=LONDON,
                          practitioner_id=practitioner_id, room_id="soho-r1", device_id="soho-d1")
        for n in offsets
    ]


def series_request(count: int = 4, hard: bool = False) -> SeriesRequest:
    prefs = Preferences(same_practitioner=SamePractitioner.HARD if hard else SamePractitioner.SOFT)
    return SeriesRequest.regular(KIND, count=count, first_earliest=day(0), first_latest=day(3),
                                 min_days=7, max_days=10, preferences=prefs)


def loaded(appointments: list[Appointment], extra: list[Appointment] = ()) -> Calendars:  # type: ignore[assignment]
    """Calendars as the database would give them: the series' own bookings included."""
    calendars = Calendars()
    for appt in [*appointments, *extra]:
        calendars.book(appt)
    return calendars


def offsets(appointments: tuple[Appointment, ...] | None) -> list[int]:
    assert appointments is not None
    return [(a.day - D).days for a in appointments]


def test_a_move_that_breaks_nothing_changes_only_that_session() -> None:
    booked = book([0, 7, 14, 21])
    sch = scheduler(clinic(), loaded(booked), now=NOW)
    result = sch.reschedule(series_request(), booked, 3, at(LONDON, day(22), 11))
    assert result.ok and result.violations == ()
    assert offsets(result.repaired) == [0, 7, 14, 22]
    assert [c.session for c in result.changes] == [4]


def test_a_move_within_its_own_old_slot_does_not_collide_with_itself() -> None:
    booked = book([0, 7, 14, 21])
    sch = scheduler(clinic(), loaded(booked), now=NOW)
    result = sch.reschedule(series_request(), booked, 2, at(LONDON, day(14), 10, 30))
    assert result.ok


def test_later_sessions_move_minimally_when_the_gap_breaks() -> None:
    booked = book([0, 7, 14, 21])
    sch = scheduler(clinic(), loaded(booked), now=NOW)
    result = sch.reschedule(series_request(), booked, 1, at(LONDON, day(8), 10))
    assert {(v.session, v.code) for v in result.violations} == {(3, ViolationCode.GAP_TOO_SHORT)}
    # Session 3 moves one day (the least possible), which pushes session 4 by one day too.
    assert offsets(result.repaired) == [0, 8, 15, 22]
    assert result.repaired is not None
    assert all(a.local_start.time() == time(10) for a in result.repaired)  # same time of day
    assert [c.session for c in result.changes] == [2, 3, 4]
    assert [c.shift for c in result.changes] == [timedelta(days=1)] * 3
    assert "session 3 to 2027-06-22 10:00" in result.message


def test_sessions_that_still_fit_stay_put() -> None:
    booked = book([0, 7, 16, 26])
    sch = scheduler(clinic(), loaded(booked), now=NOW)
    result = sch.reschedule(series_request(), booked, 1, at(LONDON, day(10), 10))
    assert offsets(result.repaired) == [0, 10, 17, 26]  # session 4 is 9 days after: fine
    assert result.repaired is not None and result.repaired[3] == booked[3]


def test_repair_is_valid_against_calendars_without_the_series() -> None:
    booked = book([0, 7, 14, 21])
    calendars = loaded(booked)
    sch = scheduler(clinic(), calendars, now=NOW)
    result = sch.reschedule(series_request(), booked, 1, at(LONDON, day(10), 10))
    assert result.repaired is not None
    freed = scheduler(clinic(), calendars.without(booked), now=NOW)
    assert freed.validate_series(series_request(), result.repaired) == []
    assert offsets(result.repaired) == [0, 10, 17, 24]


def test_a_blocked_day_pushes_the_repair_one_day_further() -> None:
    booked = book([0, 7, 14, 21])
    whole_day = [Appointment.build(KIND, at(LONDON, day(15), h, m), location_id="soho",
                                   timezone=LONDON, practitioner_id="p1", room_id="soho-r1",
                                   device_id="soho-d1")
                 for h, m in ((9, 45), (11, 0), (12, 15), (13, 30), (14, 45))]
    sch = scheduler(clinic(), loaded(booked, whole_day), now=NOW)
    result = sch.reschedule(series_request(), booked, 1, at(LONDON, day(8), 10))
    assert offsets(result.repaired) == [0, 8, 16, 23]


def test_minimal_day_shift_beats_keeping_the_practitioner_unless_hard() -> None:
    two = clinic([practitioner("p1"), practitioner("p2")], rooms=2, devices=2)
    booked = book([0, 7, 14, 21])
    cal = loaded(booked)
    cal.practitioners["p1"].add(Interval(at(LONDON, day(15), 0), at(LONDON, day(16), 0)))
    soft = scheduler(two, cal, now=NOW).reschedule(series_request(), booked, 1, at(LONDON, day(8), 10))
    assert offsets(soft.repaired) == [0, 8, 15, 22]
    assert soft.repaired is not None
    assert [a.practitioner_id for a in soft.repaired] == ["p1", "p1", "p2", "p1"]
    hard = scheduler(two, cal, now=NOW).reschedule(series_request(hard=True), booked, 1,
                                                    at(LONDON, day(8), 10))
    assert offsets(hard.repaired) == [0, 8, 16, 23]
    assert hard.repaired is not None and {a.practitioner_id for a in hard.repaired} == {"p1"}


def test_a_proposal_outside_its_own_window_cannot_be_repaired() -> None:
    booked = book([0, 7, 14, 21])
    sch = scheduler(clinic(), loaded(booked), now=NOW)
    result = sch.reschedule(series_request(), booked, 1, at(LONDON, day(3), 10))
    assert result.repaired is None
    assert (2, ViolationCode.GAP_TOO_SHORT) in {(v.session, v.code) for v in result.violations}
    assert "session 2" in result.message


def test_a_busy_room_at_the_new_time_is_swapped_or_reported() -> None:
    booked = book([0, 7, 14, 21])
    intruder = Appointment.build(KIND, at(LONDON, day(8), 10), location_id="soho", timezone=LONDON,
                                 practitioner_id="p9", room_id="soho-r1", device_id="soho-d9")
    one_room = scheduler(clinic(), loaded(booked, [intruder]), now=NOW)
    blocked = one_room.reschedule(series_request(), booked, 1, at(LONDON, day(8), 10))
    assert blocked.repaired is None
    assert (2, ViolationCode.ROOM_BUSY) in {(v.session, v.code) for v in blocked.violations}
    two_rooms = scheduler(clinic(rooms=2), loaded(booked, [intruder]), now=NOW)
    swapped = two_rooms.reschedule(series_request(), booked, 1, at(LONDON, day(8), 10))
    assert swapped.proposed[1].room_id == "soho-r2"
    assert swapped.repaired is not None


def test_no_repair_possible_is_reported() -> None:
    booked = book([0, 7, 14, 21])
    cal = loaded(booked)
    cal.practitioners["p1"].add(Interval(at(LONDON, day(15), 0), at(LONDON, day(19), 0)))
    sch = scheduler(clinic(), cal, now=NOW)
    result = sch.reschedule(series_request(), booked, 1, at(LONDON, day(8), 10))
    assert result.repaired is None
    assert "no way to move sessions 3..4" in result.message


def test_bad_reschedule_input() -> None:
    booked = book([0, 7, 14, 21])
    sch = scheduler(clinic(), loaded(booked), now=NOW)
    with pytest.raises(NaiveDatetimeError):
        sch.reschedule(series_request(), booked, 1, datetime(2027, 6, 15, 10))
    with pytest.raises(InvalidConfigurationError, match="out of range"):
        sch.reschedule(series_request(), booked, 4, at(LONDON, day(8), 10))
    with pytest.raises(InvalidConfigurationError, match="3 appointments"):
        sch.reschedule(series_request(), booked[:3], 1, at(LONDON, day(8), 10))
    assert isinstance(sch.clinic, Clinic)
