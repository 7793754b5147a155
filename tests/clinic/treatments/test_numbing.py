"""Check-in and the numbing clock: countdown to ready, window warnings, large-area warnings,
on instants (DST changes move only the wall-clock display)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from needlepoint.clinic.errors import NotFound
from needlepoint.clinic.treatments import selectors, services
from needlepoint.clinic.treatments.errors import ChartLocked, NumbingRefused, WrongState
from needlepoint.clinic.treatments.models import NumbingApplication
from needlepoint.clinic.treatments.selectors import ClockState, clock_for
from tests.clinic.treatments.helpers import START, entry_input, treatment_day
from tests.conftest import ClinicWorld

LONDON = "Europe/London"


def _app(applied_at: datetime, *, surface: int = 150, amount: str = "15.0") -> NumbingApplication:
    return NumbingApplication(
        applied_at=applied_at,
        agent="lidocaine_5",
        agent_name="Lidocaine 5 % cream",
        concentration="lidocaine 5 %",
        areas=["cheeks"],
        surface_cm2=surface,
        amount_g=Decimal(amount),
        onset_minutes=45,
        effect_min_minutes=180,
        effect_max_minutes=240,
        max_area_cm2=600,
        max_grams=Decimal("60"),
    )


def test_recording_numbing_copies_the_protocol_timings_and_counts_down(clinic_a: ClinicWorld) -> None:
    day = treatment_day(clinic_a)
    applied = START - timedelta(minutes=50)
    app = services.record_numbing(
        day.clinic,
        day.desk,
        day.appointment,
        areas=["cheeks", "forehead"],
        applied_at=applied,
        now=START,
    )
    assert (app.agent, app.onset_minutes, app.effect_min_minutes, app.effect_max_minutes) == (
        "lidocaine_5",
        45,
        180,
        240,
    )
    assert app.max_area_cm2 == 600 and app.surface_cm2 > 0
    assert app.amount_g == (Decimal(app.surface_cm2) / 10).quantize(Decimal("0.1"))  # 1 g per 10 cm²

    clock = selectors.numbing_clock(day.appointment, now=applied + timedelta(minutes=20))
    assert clock.state == ClockState.NUMBING and clock.minutes_to_ready == 25
    assert clock.ready_at == applied + timedelta(minutes=45)
    assert (
        selectors.numbing_clock(day.appointment, now=applied + timedelta(minutes=45)).state
        == ClockState.READY
    )
    ending = selectors.numbing_clock(day.appointment, now=applied + timedelta(minutes=45 + 160))
    assert ending.state == ClockState.ENDING and "ends at" in ending.warnings[0]
    beyond = selectors.numbing_clock(day.appointment, now=applied + timedelta(minutes=45 + 200))
    assert beyond.state == ClockState.BEYOND and "Past the reliable" in beyond.warnings[0]
    expired = selectors.numbing_clock(day.appointment, now=applied + timedelta(minutes=45 + 241))
    assert expired.state == ClockState.EXPIRED and "exceeded" in expired.warnings[0]
    assert not expired.is_running


def test_numbing_needs_check_in_plan_areas_and_a_sane_time(clinic_a: ClinicWorld) -> None:
    day = treatment_day(clinic_a, check_in=False)
    with pytest.raises(WrongState, match="Check the client in"):
        services.record_numbing(day.clinic, day.desk, day.appointment, areas=["cheeks"], now=START)
    services.check_in(day.clinic, day.desk, day.appointment, now=START)
    with pytest.raises(NumbingRefused, match="not in the client's plan") as exc:
        services.record_numbing(day.clinic, day.desk, day.appointment, areas=["abdomen"], now=START)
    assert exc.value.field == "areas"
    with pytest.raises(NumbingRefused, match="future"):
        services.record_numbing(
            day.clinic,
            day.desk,
            day.appointment,
            areas=["cheeks"],
            applied_at=START + timedelta(minutes=10),
            now=START,
        )
    for amount in ("NaN", "-1", "1000"):
        with pytest.raises(NumbingRefused, match="amount in grams"):
            services.record_numbing(
                day.clinic, day.desk, day.appointment, areas=["cheeks"], amount_g=Decimal(amount), now=START
            )
    with pytest.raises(NumbingRefused, match="Unknown anaesthetic"):
        services.record_numbing(
            day.clinic, day.desk, day.appointment, areas=["cheeks"], agent="cocaine", now=START
        )


def test_numbing_record_of_a_signed_visit_is_locked(clinic_a: ClinicWorld) -> None:
    """Issue 21: once the chart is signed, the numbing record (part of the visit's treatment
    record) can no longer be added to or changed; corrections are chart addenda."""
    day = treatment_day(clinic_a)
    applied = services.record_numbing(
        day.clinic,
        day.practitioner,
        day.appointment,
        areas=["cheeks"],
        applied_at=START - timedelta(minutes=50),
        now=START,
    )
    chart = services.start_chart(day.clinic, day.practitioner, day.appointment, now=START)
    services.add_chart_entry(day.clinic, day.practitioner, chart, entry_input(day), now=START)
    services.sign_chart(day.clinic, day.practitioner, chart, now=START + timedelta(hours=1))
    with pytest.raises(ChartLocked, match="signed"):
        services.record_numbing(day.clinic, day.practitioner, day.appointment, areas=["cheeks"], now=START)
    with pytest.raises(ChartLocked, match="signed"):
        services.remove_numbing(day.clinic, day.practitioner, applied, at=START, now=START)
    applied.refresh_from_db()
    assert applied.removed_at is None
    assert NumbingApplication.objects.filter(appointment=day.appointment).count() == 1


def test_another_clinics_member_cannot_record(clinic_a: ClinicWorld, clinic_b: ClinicWorld) -> None:
    day = treatment_day(clinic_a)
    with pytest.raises(NotFound):  # another clinic's appointment: as if it did not exist
        services.record_numbing(
            day.clinic,
            clinic_b.memberships["owner"],  # type: ignore[arg-type]
            day.appointment,
            areas=["cheeks"],
            now=START,
        )


def test_large_area_and_overdose_are_warned() -> None:
    now = datetime(2027, 1, 5, 9, 30, tzinfo=UTC)
    clock = clock_for(_app(now, surface=750, amount="75.0"), zone=LONDON, session_end=None, now=now)
    assert any("750 cm² exceeds the 600 cm² large-area limit" in w for w in clock.warnings)
    assert any("75.0 g exceeds the 60 g maximum" in w for w in clock.warnings)
    within = clock_for(_app(now), zone=LONDON, session_end=None, now=now)
    assert within.warnings == []


def test_session_booked_past_the_window_is_warned() -> None:
    applied = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
    end = applied + timedelta(minutes=45 + 200)
    clock = clock_for(_app(applied), zone=LONDON, session_end=end, now=applied)
    assert any("booked to end at 13:05" in w for w in clock.warnings)


def test_clock_across_the_london_spring_forward(clinic_a: ClinicWorld) -> None:
    # 28 March 2027: 01:00 GMT becomes 02:00 BST. Cream on at 00:50 GMT, ready 45 min later —
    # at 02:35 on the wall clock (BST), not 01:35; a wall-clock subtraction would say 105 min.
    start = datetime(2027, 3, 28, 1, 35, tzinfo=UTC)
    day = treatment_day(clinic_a, start=start)
    applied = datetime(2027, 3, 28, 0, 50, tzinfo=UTC)
    services.record_numbing(
        day.clinic, day.practitioner, day.appointment, areas=["cheeks"], applied_at=applied, now=applied
    )
    clock = selectors.numbing_clock(day.appointment, now=datetime(2027, 3, 28, 1, 0, tzinfo=UTC))
    assert clock.minutes_to_ready == 35 and clock.state == ClockState.NUMBING
    assert clock.local(clock.application.applied_at).strftime("%H:%M %Z") == "00:50 GMT"  # type: ignore[union-attr]
    assert clock.local(clock.ready_at).strftime("%H:%M %Z") == "02:35 BST"  # type: ignore[union-attr]
    assert clock.local(clock.effective_until).strftime("%H:%M %Z") == "05:35 BST"  # type: ignore[union-attr]
    ending = selectors.numbing_clock(day.appointment, now=datetime(2027, 3, 28, 4, 10, tzinfo=UTC))
    assert ending.state == ClockState.ENDING and "05:35" in ending.warnings[0]


def test_clock_across_the_new_york_fall_back() -> None:
    # 1 November 2026: 02:00 EDT becomes 01:00 EST. On at 01:30 EDT; ready at 01:15 EST —
    # earlier on the wall clock than the application, 45 real minutes later.
    applied = datetime(2026, 11, 1, 1, 30, tzinfo=ZoneInfo("America/New_York"))
    assert applied.utcoffset() == timedelta(hours=-4)
    clock = clock_for(_app(applied), zone="America/New_York", session_end=None, now=applied)
    assert clock.minutes_to_ready == 45
    assert clock.local(clock.ready_at).strftime("%H:%M %Z") == "01:15 EST"  # type: ignore[union-attr]
    # (Adding 45 min to the zoned `applied` would be wall-clock arithmetic: 105 real minutes.)
    real_later = applied.astimezone(UTC) + timedelta(minutes=45)
    later = clock_for(_app(applied), zone="America/New_York", session_end=None, now=real_later)
    assert later.state == ClockState.READY and later.minutes_left == 180


@given(
    applied=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
    ),
    offset=st.integers(min_value=-60, max_value=6 * 60 * 60),
    zone=st.sampled_from([LONDON, "America/New_York", "Australia/Sydney"]),
)
def test_clock_states_follow_elapsed_time_only(applied: datetime, offset: int, zone: str) -> None:
    now = applied + timedelta(seconds=offset * 6)
    clock = clock_for(_app(applied), zone=zone, session_end=None, now=now)
    elapsed = now - applied
    expected = (
        ClockState.NUMBING
        if elapsed < timedelta(minutes=45)
        else ClockState.READY
        if elapsed < timedelta(minutes=45 + 150)
        else ClockState.ENDING
        if elapsed < timedelta(minutes=45 + 180)
        else ClockState.BEYOND
        if elapsed < timedelta(minutes=45 + 240)
        else ClockState.EXPIRED
    )
    assert clock.state == expected
    assert (clock.minutes_to_ready > 0) == (clock.state == ClockState.NUMBING)
    assert clock.is_ready == (clock.state in (ClockState.READY, ClockState.ENDING, ClockState.BEYOND))
    if elapsed >= timedelta(0):
        # The countdown never exceeds the onset, nor the window left onset + window.
        assert 0 <= clock.minutes_to_ready <= 45
        assert clock.minutes_left <= 45 + 180
