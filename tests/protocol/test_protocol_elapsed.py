"""Durations are elapsed time: a "24 h" window is 24 real hours even across a clock change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.protocol.protocol_helpers import area, plan_for

ZONES = ("Europe/London", "America/New_York", "Australia/Sydney", "America/Santiago")


@cache
def transitions(zone: str) -> tuple[datetime, ...]:
    """Every instant in 2026-2027 where `zone`'s UTC offset changes (hourly scan, then minute)."""
    tz, out = ZoneInfo(zone), []
    t = datetime(2026, 1, 1, tzinfo=UTC)
    while t < datetime(2028, 1, 1, tzinfo=UTC):
        nxt = t + timedelta(hours=1)
        if t.astimezone(tz).utcoffset() != nxt.astimezone(tz).utcoffset():
            out.append(nxt)
        t = nxt
    return tuple(out)


def test_every_zone_has_its_transitions() -> None:
    for zone in ZONES:
        assert len(transitions(zone)) == 4, zone  # two a year


def _real(a: datetime, b: datetime) -> timedelta:
    # Aware datetimes sharing a tzinfo subtract on the wall clock: compare in UTC.
    return b.astimezone(UTC) - a.astimezone(UTC)


@settings(max_examples=60, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    which=st.integers(0, 3),
    minutes_before=st.integers(0, 60 * 130),
)
def test_windows_are_real_hours_across_every_transition(zone: str, which: int, minutes_before: int) -> None:
    tz = ZoneInfo(zone)
    start = (transitions(zone)[which] - timedelta(minutes=minutes_before)).astimezone(tz)
    plan = plan_for([area("cheeks", "fine_lines")], appointment=start)
    numbing = plan.numbing
    assert numbing is not None and numbing.ready_at is not None and numbing.apply_at is not None
    assert numbing.effective_until is not None and numbing.effective_until_latest is not None
    assert _real(numbing.apply_at, start) == timedelta(minutes=numbing.application_minutes or 0)
    assert _real(start, numbing.effective_until) == timedelta(hours=float(numbing.effect_hours_min or 0))
    longest = timedelta(hours=float(numbing.effect_hours_max or 0))
    assert _real(start, numbing.effective_until_latest) == longest
    end = numbing.session_end
    assert end is not None and _real(start, end) == timedelta(minutes=numbing.session_minutes)
    assert plan.aftercare
    for e in plan.aftercare:
        assert e.starts_at is not None
        assert _real(end, e.starts_at) == timedelta(hours=e.starts_after_hours)
        assert e.starts_at.utcoffset() == e.starts_at.astimezone(tz).utcoffset()  # shown in local time
        if e.ends_after_hours is not None:
            assert e.ends_at is not None
            assert _real(end, e.ends_at) == timedelta(hours=e.ends_after_hours)


def test_no_make_up_for_24_h_on_the_eve_of_spring_forward() -> None:
    """London springs forward at 01:00 UTC on 29 March 2026: a session ending at 18:00 the day
    before must keep make-up off until 19:00 local (24 real hours), not 18:00 (23 h)."""
    london = ZoneInfo("Europe/London")
    plan = plan_for([area("cheeks", "fine_lines")], appointment=datetime(2026, 3, 28, 17, 0, tzinfo=london))
    end = plan.numbing.session_end if plan.numbing else None
    assert end is not None
    windows = [e for e in plan.aftercare if e.ends_after_hours == 24]
    assert windows
    for e in windows:
        assert e.ends_at is not None
        assert e.ends_at.astimezone(london).hour == end.astimezone(london).hour + 1
