"""book_series re-checks, under its lock, that the sessions it is given are the series asked for:
the spec's (and the plan's) windows and gaps, and each session's fit to the appointment type
(issue 21, finding 1). Whatever the surface, a search's output is never trusted blindly."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from needlepoint import clock
from needlepoint import scheduling as eng
from needlepoint.clinic.booking import services
from needlepoint.clinic.booking.engine import engine_type
from needlepoint.clinic.booking.models import Appointment, AppointmentType, Series
from needlepoint.clinic.permissions import SystemActor
from tests.clinic.booking.conftest import NOW, BookingWorld, spec
from tests.clinic.journey_helpers import confirmed_plan


def _system(bw: BookingWorld) -> SystemActor:
    return SystemActor(bw.world.clinic.pk, "test")  # type: ignore[attr-defined]


def _found(bw: BookingWorld, s: services.SeriesSpec) -> list[eng.Appointment]:
    result, _ = services.search_series(bw.world.clinic, s, now=NOW)  # type: ignore[arg-type]
    assert result.found
    return list(result.options[0].sessions)


def _at(bw: BookingWorld, day: date, hour: time, kind: AppointmentType | None = None) -> eng.Appointment:
    loc = bw.world.location
    start = datetime.combine(day, hour, tzinfo=ZoneInfo(loc.timezone)).astimezone(UTC)  # type: ignore[attr-defined]
    return eng.Appointment.build(
        engine_type(kind or bw.kind),  # type: ignore[arg-type]
        start,
        location_id=str(loc.pk),  # type: ignore[attr-defined]
        timezone=loc.timezone,  # type: ignore[attr-defined]
        practitioner_id=str(bw.practitioners[0].pk),
        room_id=str(bw.rooms[0].pk),
        device_id=str(bw.devices[0].pk),
    )


def test_sessions_closer_than_the_plan_allows_are_refused(bw: BookingWorld) -> None:
    with clock.frozen(NOW):
        plan = confirmed_plan(bw.world)
        assert plan.sessions and plan.gap_min_days and plan.gap_max_days
        weekly = _found(bw, spec(bw, sessions=plan.sessions, gap=(7, 8)))
        # The plan's own spec, with sessions a week apart.
        s = spec(bw, sessions=plan.sessions, gap=(plan.gap_min_days, plan.gap_max_days), plan_id=plan.pk)
        with pytest.raises(services.BookingError, match="days after session 1"):
            services.book_series(bw.world.clinic, s, weekly, actor=_system(bw), now=NOW)  # type: ignore[arg-type]
        # A spec that claims the plan but asks for weekly gaps is refused for the plan's sake.
        s = spec(bw, sessions=plan.sessions, gap=(7, 8), plan_id=plan.pk)
        with pytest.raises(services.BookingError, match=f"{plan.gap_min_days}"):
            services.book_series(bw.world.clinic, s, weekly, actor=_system(bw), now=NOW)  # type: ignore[arg-type]
    assert not Series.objects.exists() and not Appointment.objects.exists()


def test_gaps_outside_the_spec_are_refused(bw: BookingWorld) -> None:
    weekly = _found(bw, spec(bw, sessions=3, gap=(7, 8)))
    with pytest.raises(services.BookingError, match="minimum 28"):
        services.book_series(bw.world.clinic, spec(bw, sessions=3), weekly, actor=_system(bw))  # type: ignore[arg-type]
    assert not Appointment.objects.exists()


def test_a_session_past_the_end_of_the_shift_is_refused(bw: BookingWorld) -> None:
    # The shift ends at 17:00; a 16:30 start runs the treatment and cleaning past it.
    late = _at(bw, date(2027, 1, 5), time(16, 30))
    with pytest.raises(services.BookingError, match="not working"):
        services.book_series(bw.world.clinic, spec(bw, sessions=1), [late], actor=_system(bw))  # type: ignore[arg-type]
    with pytest.raises(services.BookingError, match="not working"):
        services.book_single(
            bw.world.clinic, bw.world.client, bw.kind, late, actor=_system(bw)  # type: ignore[arg-type]
        )
    assert not Appointment.objects.exists()


def test_sessions_of_another_type_are_refused(bw: BookingWorld) -> None:
    long_kind = AppointmentType.objects.create(
        clinic=bw.world.clinic, name="Long", device_kind="pen", duration_minutes=90  # type: ignore[attr-defined]
    )
    short = _found(bw, spec(bw, sessions=1))
    s = dataclasses.replace(spec(bw, sessions=1), appointment_type=long_kind)
    with pytest.raises(services.BookingError):
        services.book_series(bw.world.clinic, s, short, actor=_system(bw))  # type: ignore[arg-type]
    assert not Appointment.objects.exists()


GAP = st.integers(min_value=1, max_value=60)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(gaps=st.lists(GAP, min_size=2, max_size=2), window=st.tuples(GAP, GAP), first=st.integers(0, 3))
def test_book_series_never_books_gaps_outside_the_windows(
    bw: BookingWorld, gaps: list[int], window: tuple[int, int], first: int
) -> None:
    lo, hi = sorted(window)
    day = date(2027, 1, 5) + timedelta(days=first)
    days = [day, day + timedelta(days=gaps[0]), day + timedelta(days=gaps[0] + gaps[1])]
    sessions = [_at(bw, d, time(10)) for d in days]
    s = spec(bw, sessions=3, gap=(lo, hi))
    sid = transaction.savepoint()
    try:
        series = services.book_series(bw.world.clinic, s, sessions, actor=_system(bw))  # type: ignore[arg-type]
    except services.BookingError:
        booked = None
    else:
        zone = ZoneInfo(bw.world.location.timezone)  # type: ignore[attr-defined]
        booked = [a.start.astimezone(zone).date() for a in series.appointments.order_by("series_index")]
    finally:
        transaction.savepoint_rollback(sid)
    if booked is not None:
        assert all(lo <= (b - a).days <= hi for a, b in itertools.pairwise(booked))
        assert all(d.weekday() < 5 for d in booked)  # every session inside the rota


def test_moving_an_appointment_past_the_end_of_the_shift_is_not_applied(bw: BookingWorld) -> None:
    appt = services.book_single(
        bw.world.clinic,  # type: ignore[arg-type]
        bw.world.client,  # type: ignore[arg-type]
        bw.kind,  # type: ignore[arg-type]
        _at(bw, date(2027, 1, 5), time(10)),
        actor=_system(bw),
    )
    late = _at(bw, date(2027, 1, 6), time(16, 30)).start
    outcome = services.reschedule_appointment(appt, late, actor=bw.world.memberships["owner"], now=NOW)  # type: ignore[arg-type]
    assert not outcome.applied
    assert any(v.code == eng.ViolationCode.OUTSIDE_WORKING_HOURS for v in outcome.violations)
    appt.refresh_from_db()
    assert appt.start == _at(bw, date(2027, 1, 5), time(10)).start
