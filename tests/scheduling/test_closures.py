"""Closures and public holidays in the pure engine: no search ever proposes a session while its
location is closed, and the booking re-check refuses one (hypothesis over random closures)."""

from __future__ import annotations

from datetime import date, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from needlepoint.scheduling import (
    Appointment,
    Clinic,
    Closure,
    Interval,
    Location,
    SeriesRequest,
    ViolationCode,
    check_booking,
    local_to_utc,
)
from tests.scheduling.helpers import clinic, practitioner, scheduler, treatment, utc

ZONE = "America/New_York"
FIRST = date(2027, 3, 8)  # the week before US clocks change (14 March 2027)


def _closure(day: date, start: time | None, end: time | None, reason: str) -> Closure:
    if start is None or end is None:
        lo, hi = local_to_utc(day, time(0), ZONE), local_to_utc(day + timedelta(days=1), time(0), ZONE)
    else:
        lo, hi = local_to_utc(day, start, ZONE), local_to_utc(day, end, ZONE)
    return Closure(Interval(lo, hi), reason)


def _closed_clinic(closures: list[Closure], whole_days: frozenset[date]) -> Clinic:
    base = clinic([practitioner("p1", start=time(8), end=time(18)), practitioner("p2")], rooms=2, zone=ZONE)
    soho = base.locations["soho"]
    return Clinic(
        locations=[Location("soho", ZONE, name=soho.name, closed=whole_days, closures=tuple(closures))],
        practitioners=list(base.practitioners.values()),
        rooms=list(base.rooms.values()),
        devices=list(base.devices.values()),
    )


closure_days = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=120),  # days after FIRST
        st.one_of(
            st.none(),
            st.tuples(st.integers(min_value=7, max_value=19), st.integers(min_value=1, max_value=8)),
        ),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(closure_days, st.integers(min_value=1, max_value=4), st.integers(min_value=0, max_value=10))
def test_no_series_option_falls_on_a_closure_or_holiday(spec, count, first_offset) -> None:  # type: ignore[no-untyped-def]
    closures, whole = [], set()
    for offset, hours in spec:
        day = FIRST + timedelta(days=offset)
        if hours is None:
            whole.add(day)
            closures.append(_closure(day, None, None, "Public holiday"))
        else:
            start, length = hours
            closures.append(_closure(day, time(start), time(min(start + length, 23)), "Training"))
    the_clinic = _closed_clinic(closures, frozenset(whole))
    kind = treatment()
    start = FIRST + timedelta(days=first_offset)
    request = SeriesRequest.regular(
        kind,
        count=count,
        first_earliest=start,
        first_latest=start + timedelta(days=10),
        min_days=7,
        max_days=21,
    )
    result = scheduler(the_clinic, now=utc(2027, 3, 1)).search_series(request)
    for option in result.options:
        for appt in option.sessions:
            assert appt.day not in whole
            for c in closures:
                end = appt.start + kind.duration + kind.cleaning
                assert not Interval(appt.arrival, end).overlaps(c.interval), (appt, c)
        assert check_booking(the_clinic, request, option.sessions) == []


def test_booking_re_check_names_the_closure() -> None:
    day = date(2027, 3, 15)
    the_clinic = _closed_clinic([_closure(day, time(12), time(14), "Staff training")], frozenset())
    kind = treatment()
    request = SeriesRequest.regular(kind, count=1, first_earliest=day, first_latest=day)
    appt = Appointment.build(
        kind,
        local_to_utc(day, time(12, 30), ZONE),
        location_id="soho",
        timezone=ZONE,
        practitioner_id="p1",
        room_id="soho-r1",
        device_id="soho-d1",
    )
    violations = check_booking(the_clinic, request, [appt])
    assert [v.code for v in violations if v.code == ViolationCode.LOCATION_CLOSED] == [
        ViolationCode.LOCATION_CLOSED
    ]
    assert any("Staff training" in v.message for v in violations)
    # The same time a day later is fine.
    later = Appointment.build(
        kind,
        local_to_utc(day + timedelta(days=1), time(12, 30), ZONE),
        location_id="soho",
        timezone=ZONE,
        practitioner_id="p1",
        room_id="soho-r1",
        device_id="soho-d1",
    )
    request2 = SeriesRequest.regular(kind, count=1, first_earliest=day, first_latest=day + timedelta(days=1))
    assert check_booking(the_clinic, request2, [later]) == []
