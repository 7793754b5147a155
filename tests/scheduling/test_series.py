"""Series search: earliest solution with backtracking, preferences, ranking, explanations."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from needlepoint.scheduling import (
    Calendars,
    Clinic,
    DateWindow,
    GapWindow,
    Interval,
    InvalidWindowError,
    Location,
    NaiveDatetimeError,
    Preferences,
    Reason,
    ReasonCode,
    Room,
    SamePractitioner,
    Scheduler,
    SearchLimits,
    SeriesRequest,
    SeriesResult,
    SessionSpec,
    TimeOfDay,
    UnknownResourceError,
)

from .helpers import at, busy, clinic, practitioner, scheduler, treatment

LONDON = "Europe/London"
TZ = ZoneInfo(LONDON)
D = date(2027, 6, 7)  # Monday
NOW = datetime(2027, 6, 6, tzinfo=UTC)


def day(n: int) -> date:
    return D + timedelta(days=n)


def whole_days(*offsets: int) -> list[tuple[datetime, datetime]]:
    return [(at(LONDON, day(n), 0), at(LONDON, day(n), 23, 59)) for n in offsets]


def request(count: int, first: tuple[int, int], gap: tuple[int, int], **kwargs: object) -> SeriesRequest:
    return SeriesRequest.regular(
        treatment(), count=count, first_earliest=day(first[0]), first_latest=day(first[1]),
        min_days=gap[0], max_days=gap[1], **kwargs,  # type: ignore[arg-type]
    )


def days_of(result: SeriesResult) -> list[int]:
    assert result.earliest is not None
    return [(a.day - D).days for a in result.earliest.sessions]


def search(the_clinic: Clinic, calendars: Calendars | None, req: SeriesRequest, **kw: object) -> SeriesResult:
    return scheduler(the_clinic, calendars, now=NOW).search_series(req, **kw)  # type: ignore[arg-type]


def test_every_session_at_the_first_free_slot_when_nothing_is_booked() -> None:
    result = search(clinic(), None, request(3, (0, 2), (7, 8)))
    assert result.found and result.complete
    assert days_of(result) == [0, 7, 14]
    assert all(a.local_start.time() == time(9, 45) for a in result.earliest.sessions)  # type: ignore[union-attr]


def test_backtracks_when_the_greedy_first_choice_leads_nowhere() -> None:
    # Session 3 can only be on day 18, which needs session 2 on day 10 and session 1 on day 2;
    # the greedy choices (day 0, then day 7) dead-end.
    blocked = busy(practitioners={"p1": whole_days(9, 14, 15, 16, 17)})
    result = search(clinic(), blocked, request(3, (0, 2), (7, 8)))
    assert days_of(result) == [2, 10, 18]


def test_backtracking_finds_the_earliest_not_just_any_solution() -> None:
    # Day 0 fails (day 7 and 8 blocked); day 1 works with day 8? no: 8 blocked -> day 9.
    blocked = busy(practitioners={"p1": whole_days(7, 8)})
    result = search(clinic(), blocked, request(2, (0, 3), (7, 8)))
    assert days_of(result) == [1, 9]
    # The explanation is absent when a series is found.
    assert result.explanation is None


def test_hard_same_practitioner_backtracks_to_another_practitioner() -> None:
    ann = practitioner("ann", start=time(9), end=time(17),
                       time_off=(Interval(at(LONDON, day(14), 0), at(LONDON, day(16), 0)),))
    bob = practitioner("bob", start=time(10), end=time(18))
    two = clinic([ann, bob], rooms=2, devices=2)
    hard = search(two, None, request(3, (0, 0), (7, 7),
                                     preferences=Preferences(same_practitioner=SamePractitioner.HARD)))
    assert hard.earliest is not None
    assert {a.practitioner_id for a in hard.earliest.sessions} == {"bob"}
    assert hard.earliest.sessions[0].local_start.time() == time(10, 45)
    soft = search(two, None, request(3, (0, 0), (7, 7)))
    assert soft.earliest is not None
    assert [a.practitioner_id for a in soft.earliest.sessions] == ["ann", "ann", "bob"]
    # Among alternatives on the same first date, continuity with one practitioner ranks first.
    best = soft.options[0]
    assert best.practitioner_ids == ("bob", "bob", "bob")
    assert best.score > soft.earliest.score
    assert [o.rank_key() for o in soft.options] == sorted(o.rank_key() for o in soft.options)


def test_soft_same_practitioner_keeps_the_practitioner_at_equal_times() -> None:
    two = clinic([practitioner("ann"), practitioner("bob")], rooms=2, devices=2)
    blocked = busy(practitioners={"ann": whole_days(0)})
    result = search(two, blocked, request(3, (0, 0), (7, 7)))
    assert result.earliest is not None
    assert result.earliest.practitioner_ids == ("bob", "bob", "bob")


def test_absolute_windows_intersect_the_gap_windows() -> None:
    windows = [None, DateWindow(day(40), day(41)), None]
    result = search(clinic(), None, request(3, (0, 14), (28, 42), windows=windows))
    assert days_of(result) == [0, 40, 68]


def test_sessions_on_the_same_day_follow_each_other() -> None:
    req = request(3, (0, 0), (0, 0))
    result = search(clinic(), None, req)
    sessions = result.earliest.sessions  # type: ignore[union-attr]
    assert {a.day for a in sessions} == {D}
    for before, after in pairwise(sessions):
        assert after.arrival >= before.end
        assert after.room_interval.start >= before.room_interval.end  # one room: no overlap
    assert sessions[0].local_start.time() == time(9, 45)


def test_preferences_rank_the_alternatives() -> None:
    prefs = Preferences(time_of_day=TimeOfDay.AFTERNOON, weekdays=frozenset({2}))  # Wednesdays
    result = search(clinic(), None, request(2, (0, 6), (7, 7), preferences=prefs), max_options=4)
    assert result.earliest is not None and days_of(result) == [0, 7]
    best = result.options[0]
    assert best.first_day == D  # first-session date dominates the ranking
    assert all(a.local_arrival.time() >= time(12) for a in best.sessions)
    assert best.score > result.earliest.score
    assert [o.rank_key() for o in result.options] == sorted(o.rank_key() for o in result.options)
    assert len({o.sessions for o in result.options}) == len(result.options)  # distinct


def test_preferred_weekday_moves_later_sessions_within_their_window() -> None:
    thursdays = Preferences(weekdays=frozenset({3}), time_of_day=TimeOfDay.AFTERNOON)
    result = search(clinic(), None, request(3, (0, 0), (7, 10), preferences=thursdays))
    assert days_of(result) == [0, 7, 14]  # the earliest ignores preferences
    best = result.options[0]
    # Monday is fixed by the first window; sessions 2 and 3 can be Thursdays (10 days apart
    # then 7 days apart) and in the afternoon.
    assert [(a.day - D).days for a in best.sessions] == [0, 10, 17]
    assert all(a.local_arrival.time() >= time(12) for a in best.sessions)
    # Session 1 earns time of day only; 2 and 3 also weekday and same practitioner (3).
    assert best.score == pytest.approx((2 + 7 + 7) / (4 + 7 + 7))


def test_preferred_location_is_honoured_among_alternatives() -> None:
    two_sites = clinic([practitioner("ann", location="soho"), practitioner("bob", location="bank")],
                       locations=("soho", "bank"))
    prefs = Preferences(location_id="bank")
    result = search(two_sites, None, request(2, (0, 0), (7, 7), preferences=prefs))
    assert result.options[0].sessions[0].location_id == "bank"
    assert result.options[0].score == 1.0
    only_soho = search(two_sites, None, request(2, (0, 0), (7, 7), location_ids={"soho"}))
    assert {a.location_id for a in only_soho.earliest.sessions} == {"soho"}  # type: ignore[union-attr]


def test_hard_practitioner_filter() -> None:
    two = clinic([practitioner("ann"), practitioner("bob")], rooms=2, devices=2)
    result = search(two, None, request(2, (0, 3), (7, 7), practitioner_ids={"bob"}))
    assert result.earliest.practitioner_ids == ("bob", "bob")  # type: ignore[union-attr]
    # One alternative per possible first date (days 0..3), all with the allowed practitioner.
    assert [o.first_day for o in result.options] == [day(0), day(1), day(2), day(3)]
    assert all(o.practitioner_ids == ("bob", "bob") for o in result.options)


def test_client_busy_is_avoided() -> None:
    meeting = Interval(at(LONDON, D, 8), at(LONDON, D, 13))
    result = search(clinic(), None, request(1, (0, 0), (7, 7), client_busy=[meeting]))
    assert result.earliest.sessions[0].arrival >= meeting.end  # type: ignore[union-attr]


# -- explanations ---------------------------------------------------------------------------------


def reasons(result: SeriesResult, code: ReasonCode) -> list[Reason]:
    assert not result.found and result.explanation is not None
    return [r for r in result.explanation.reasons if r.code is code]


def test_explains_a_fully_booked_practitioner_by_session_and_place() -> None:
    blocked = busy(practitioners={"p1": whole_days(*range(14, 17))})
    result = search(clinic(), blocked, request(3, (0, 2), (7, 7)))
    (reason,) = reasons(result, ReasonCode.PRACTITIONER_BUSY)
    assert reason.session == 3 and reason.location_id == "soho"
    assert reason.days == (day(14), day(15), day(16))
    summary = result.explanation.summary  # type: ignore[union-attr]
    assert "Session 3" in summary and "Soho" in summary and "fully booked" in summary
    assert "2027-06-21..2027-06-23" in summary


def test_explains_full_rooms_and_busy_devices() -> None:
    rooms_full = busy(rooms={"soho-r1": whole_days(7)})
    (room,) = reasons(search(clinic(), rooms_full, request(2, (0, 0), (7, 7))), ReasonCode.ROOM_BUSY)
    assert room.session == 2 and "room calendar full" in room.message
    pens_busy = busy(devices={"soho-d1": whole_days(0)})
    (pen,) = reasons(search(clinic(), pens_busy, request(2, (0, 0), (7, 7))), ReasonCode.DEVICE_BUSY)
    assert pen.session == 1 and "pen device reaching 1.5 mm" in pen.message


def test_explains_nobody_working_and_static_gaps() -> None:
    weekdays_only = clinic([practitioner("p1", days=range(5))])
    saturday = search(weekdays_only, None, request(1, (5, 6), (7, 7)))
    (off,) = reasons(saturday, ReasonCode.PRACTITIONER_NOT_WORKING)
    assert off.session == 1 and off.days == (day(5), day(6))
    no_pen = Clinic(locations=[Location("soho", LONDON)], practitioners=[practitioner("p1")],
                    rooms=[Room("r", "soho")])
    (static,) = reasons(search(no_pen, None, request(1, (0, 0), (7, 7))), ReasonCode.NO_SUITABLE_DEVICE)
    assert "has no pen device" in static.message


def test_explains_windows_that_cannot_be_met() -> None:
    late = scheduler(clinic(), now=NOW, horizon=timedelta(days=20)).search_series(
        request(2, (0, 2), (28, 42)))
    (horizon,) = reasons(late, ReasonCode.OUTSIDE_BOOKING_WINDOW)
    assert horizon.session == 2 and "horizon" in horizon.message
    spec = (SessionSpec(window=DateWindow(day(0), day(1))),
            SessionSpec(window=DateWindow(day(20), day(21)), gap=GapWindow(7, 8)))
    impossible = search(clinic(), None, SeriesRequest(treatment(), spec))
    (empty,) = reasons(impossible, ReasonCode.EMPTY_WINDOW)
    assert empty.session == 2 and "7-8 days after" in empty.message


def test_explains_the_same_practitioner_rule() -> None:
    ann = practitioner("ann", time_off=(Interval(at(LONDON, day(7), 0), at(LONDON, day(8), 0)),))
    bob = practitioner("bob", time_off=(Interval(at(LONDON, day(0), 0), at(LONDON, day(1), 0)),))
    two = clinic([ann, bob], rooms=2, devices=2)
    hard = Preferences(same_practitioner=SamePractitioner.HARD)
    result = search(two, None, request(2, (0, 0), (7, 7), preferences=hard))
    same = reasons(result, ReasonCode.SAME_PRACTITIONER_UNAVAILABLE)
    assert same[0].session is None and "no single practitioner" in same[0].message
    assert {r.practitioner_id for r in same[1:]} == {"ann", "bob"}
    assert {r.session for r in same[1:]} == {1, 2}
    # Without the hard rule the series exists.
    assert search(two, None, request(2, (0, 0), (7, 7))).found


def test_explains_the_clients_own_commitments() -> None:
    all_day = Interval(at(LONDON, D, 0), at(LONDON, D, 23))
    result = search(clinic(), None, request(1, (0, 0), (7, 7), client_busy=[all_day]))
    (client,) = reasons(result, ReasonCode.CLIENT_BUSY)
    assert client.session == 1


def test_the_step_budget_bounds_the_work_and_says_so() -> None:
    blocked = busy(practitioners={"p1": whole_days(*range(28, 90))})
    req = request(3, (0, 30), (28, 42))
    limited = search(clinic(), blocked, req, limits=SearchLimits(max_steps=50))
    assert not limited.found and not limited.complete
    assert reasons(limited, ReasonCode.SEARCH_LIMIT)
    full = search(clinic(), blocked, req)
    assert not full.found and full.complete
    assert not reasons(full, ReasonCode.SEARCH_LIMIT)


# -- bad input ------------------------------------------------------------------------------------


def test_bad_requests_raise_domain_errors() -> None:
    with pytest.raises(InvalidWindowError, match="after latest"):
        DateWindow(day(5), day(1))
    with pytest.raises(InvalidWindowError, match="max_days"):
        GapWindow(42, 28)
    with pytest.raises(InvalidWindowError, match="local calendar date"):
        DateWindow(datetime(2027, 1, 1, tzinfo=UTC), None)
    with pytest.raises(InvalidWindowError, match="first session cannot have a gap"):
        SeriesRequest(treatment(), (SessionSpec(gap=GapWindow(1, 2)),))
    with pytest.raises(InvalidWindowError, match="at least one session"):
        SeriesRequest(treatment(), ())
    with pytest.raises(NaiveDatetimeError, match="naive"):
        Scheduler(clinic(), Calendars(), now=datetime(2027, 1, 1))
    with pytest.raises(UnknownResourceError, match="atlantis"):
        search(clinic(), None, request(1, (0, 0), (7, 7), location_ids={"atlantis"}))
