"""Hypothesis: whatever the client, request and device, a plan is never unsafe.

Random profiles (areas, indications, grades, skin states, conditions, medications, skin types),
devices with random maximum depths, overrides with and without reasons, prior sessions,
numbing agents and appointments. Expected bounds are computed from the protocol data and the
hard limits here, not read back from the plan's own decision fields.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from needlepoint.protocol import (
    AreaRequest,
    AreaState,
    ClientProfile,
    DepthOverrideError,
    Device,
    DeviceKind,
    Medication,
    Plan,
    PriorSession,
    Severity,
    TreatmentRequest,
    build_plan,
    default_protocol,
    load_bibliography,
)
from needlepoint.protocol.limits import (
    DEPTH_CEILING_MM,
    DEPTH_FLOOR_MM,
    INTERVAL_FLOOR_DAYS,
    MANDATORY_BLOCK_STATES,
    NUMBING_MAX_AREA_CM2,
)

P = default_protocol()
D = P.data
BIB = set(load_bibliography())
TODAY = date(2026, 11, 20)
ZONES = [ZoneInfo(z) for z in ("Europe/London", "America/New_York", "Australia/Sydney", "UTC")]
GLOBAL_BLOCK_CONDITIONS = {"pregnant", "nursing", "bleeding_disorder", "metal_allergy"}

mm = st.integers(min_value=5, max_value=60).map(lambda n: Decimal(n) * Decimal("0.05"))
state_codes = st.sampled_from(sorted(D.skin_states))
since = st.one_of(st.none(), st.dates(TODAY - timedelta(days=400), TODAY))


@st.composite
def area_requests(draw: st.DrawFn, small: bool = False) -> list[AreaRequest]:
    codes = draw(st.lists(st.sampled_from(sorted(D.areas)), min_size=1, max_size=8, unique=True))
    out = []
    for code in codes:
        region = D.areas[code].region
        ind_code = draw(st.sampled_from(sorted(c for c, i in D.indications.items()
                                               if region in i.regions)))
        ind = D.indications[ind_code]
        kw: dict[str, Any] = {}
        if ind.uses_grade:
            kw["goodman_baron_grade"] = draw(st.none() | st.integers(1, 4))
            kw["scar_types"] = draw(st.lists(st.sampled_from(["icepick", "boxcar", "rolling"]),
                                             unique=True, max_size=3))
        if draw(st.integers(0, 7)) == 7:
            kw["override_mm"] = draw(mm)
            kw["override_reason"] = draw(st.none() | st.just("practitioner judgement"))
        if small:
            kw["surface_cm2"] = draw(st.integers(10, 80))
        elif draw(st.integers(0, 4)) == 4:
            kw["surface_cm2"] = draw(st.integers(10, 1500))
        out.append(AreaRequest(area=code, indication=ind_code, **kw))
    return out


@st.composite
def profiles(draw: st.DrawFn, area_codes: list[str]) -> ClientProfile:
    # About half of the clients are "clean", so that many plans keep areas to check.
    state_lists = st.lists(st.builds(AreaState, code=state_codes, since=since),
                           min_size=1, max_size=2)
    states: dict[str, list[AreaState]] = {}
    for key in area_codes:
        if draw(st.integers(0, 3)) == 3:
            states[key] = draw(state_lists)
    if draw(st.integers(0, 5)) == 5:
        states[draw(st.sampled_from(["face", "body", "scalp", "all"]))] = draw(state_lists)
    meds: list[Medication] = []
    if draw(st.integers(0, 2)) == 2:
        meds = draw(st.lists(st.builds(
            Medication, code=st.sampled_from(sorted(D.medications)),
            stopped_on=st.none() | st.dates(TODAY - timedelta(days=400),
                                            TODAY + timedelta(days=30))),
            min_size=1, max_size=2))
    conditions: list[str] = []
    if draw(st.integers(0, 2)) == 2:
        conditions = draw(st.lists(st.sampled_from(sorted(D.conditions)), unique=True,
                                   min_size=1, max_size=3))
    return ClientProfile(
        fitzpatrick=draw(st.integers(1, 6)),
        date_of_birth=draw(st.none() | st.dates(date(1940, 1, 1), date(2010, 1, 1))),
        conditions=conditions,
        medications=meds,
        skin_state=states,
    )


@st.composite
def cases(draw: st.DrawFn, small: bool = False
          ) -> tuple[ClientProfile, TreatmentRequest, datetime | None]:
    """``small``: measured small patches and a short-acting anaesthetic, so many areas share
    one application and sessions longer than the numbing window are common."""
    areas = draw(area_requests(small))
    codes = [a.area for a in areas]
    # Mostly usable devices (0.5–3.0 mm), sometimes one below the 0.5 mm floor.
    # (Gates are written so that hypothesis' simplest value, 0, is the common case.)
    twentieths = st.integers(2, 9) if draw(st.integers(0, 9)) == 9 else st.integers(10, 60)
    device = Device(kind=draw(st.sampled_from(list(DeviceKind))),
                    max_depth_mm=draw(twentieths.map(lambda n: Decimal(n) / 20)))
    priors = draw(st.lists(st.builds(
        PriorSession, date=st.dates(TODAY - timedelta(days=600), TODAY),
        areas=st.lists(st.sampled_from(codes), min_size=1, unique=True)), max_size=7))
    request = TreatmentRequest(
        areas=areas, device=device, prior_sessions=priors,
        start_date=draw(st.none() | st.dates(TODAY - timedelta(days=10),
                                             TODAY + timedelta(days=60))),
        numbing=small or draw(st.integers(0, 3)) < 3,
        numbing_agent=draw(st.sampled_from(["lmx4", "compounded_blt"]) if small
                           else st.none() | st.sampled_from(sorted(D.numbing.agents))),
    )
    appointment = None
    if draw(st.booleans()):
        day = draw(st.dates(TODAY, TODAY + timedelta(days=120)))
        hour = draw(st.integers(7, 19))
        appointment = datetime(day.year, day.month, day.day, hour, draw(st.sampled_from([0, 30])),
                               tzinfo=draw(st.sampled_from(ZONES)))
    return draw(profiles(codes)), request, appointment


def _cap(area: str, device: Device) -> Decimal:
    return min(D.areas[area].hard_max_mm, device.max_depth_mm, DEPTH_CEILING_MM)


def _plan(case: tuple[ClientProfile, TreatmentRequest, datetime | None]) -> Plan | None:
    client, request, appointment = case
    try:
        return build_plan(client, request, today=TODAY, appointment_start=appointment)
    except DepthOverrideError as exc:
        # Refusals only ever concern an override (or a roller's fixed length vs an override).
        index = int(exc.field.split("[")[1].split("]")[0])
        req = request.areas[index]
        assert req.override_mm is not None, exc
        cap = _cap(req.area, request.device)
        v = req.override_mm
        assert (v < DEPTH_FLOOR_MM or v > cap or request.device.kind is DeviceKind.ROLLER
                or not req.override_reason), exc
        return None


SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(cases())
def test_no_depth_outside_hard_limits(case: tuple[ClientProfile, TreatmentRequest,
                                                  datetime | None]) -> None:
    plan = _plan(case)
    if plan is None:
        return
    device = case[1].device
    for a in plan.areas:
        cap = _cap(a.area, device)
        d = a.depth
        for value in (d.chosen_mm, d.recommended_mm, d.range_min_mm, d.range_max_mm):
            assert DEPTH_FLOOR_MM <= value <= cap, (a.area, value, cap)
        assert d.range_min_mm <= d.recommended_mm <= d.range_max_mm or d.source == "roller"
        if device.kind is DeviceKind.ROLLER:
            assert d.chosen_mm == device.max_depth_mm


@SETTINGS
@given(cases())
def test_no_blocked_area_in_plan_and_none_dropped_silently(
        case: tuple[ClientProfile, TreatmentRequest, datetime | None]) -> None:
    plan = _plan(case)
    if plan is None:
        return
    client, request, _ = case
    planned = {a.area for a in plan.areas}
    removed = {r.area for r in plan.removed_areas}
    assert planned | removed == {a.area for a in request.areas}
    assert not planned & removed
    assert all(r.reason and r.finding_codes for r in plan.removed_areas)
    blocks = [f for f in plan.findings
              if f.severity is Severity.BLOCK and f.applies_to == "treatment"]
    if any(f.area is None for f in blocks):
        assert not planned
    assert not planned & {f.area for f in blocks}
    for a in planned:
        region = D.areas[a].region
        states = {s.code for k in (a, region, "all") for s in client.skin_state.get(k, [])}
        assert not states & MANDATORY_BLOCK_STATES, (a, states)
    if set(client.conditions) & GLOBAL_BLOCK_CONDITIONS:
        assert not planned
    for s in plan.series:
        assert set(s.areas) <= planned
        for w in s.sessions:
            assert {x.area for x in w.areas} <= planned
    if plan.numbing is not None:
        assert set(plan.numbing.areas) <= planned


@SETTINGS
@given(st.one_of(cases(), cases(small=True)))
def test_numbing_window_covers_the_session_or_is_flagged(
        case: tuple[ClientProfile, TreatmentRequest, datetime | None]) -> None:
    plan = _plan(case)
    if plan is None or plan.numbing is None:
        return
    n = plan.numbing
    flagged = "numbing_window_short" in {f.code for f in plan.findings}
    minutes = D.series.session_overhead_minutes + sum(
        D.areas[a].treatment_minutes for a in n.areas)
    if n.agent is None:
        assert n.status in ("declined", "blocked")
        return
    assert n.session_minutes == minutes
    assert n.surface_cm2 <= NUMBING_MAX_AREA_CM2
    reliable = timedelta(hours=float(D.numbing.agents[n.agent].effect_hours_min))
    assert (timedelta(minutes=minutes) <= reliable) or flagged
    assert n.covers_session != flagged
    start = case[2]
    if start is not None:
        assert n.apply_at is not None and n.ready_at == start
        assert n.apply_at == start - timedelta(minutes=D.numbing.agents[n.agent].
                                               application_minutes)
        assert n.effective_until is not None and n.session_end is not None
        assert n.effective_until >= n.session_end or flagged
        assert n.effective_until >= start + timedelta(minutes=minutes) or flagged


@SETTINGS
@given(cases())
def test_everything_cites_the_bibliography_and_serialises(
        case: tuple[ClientProfile, TreatmentRequest, datetime | None]) -> None:
    plan = _plan(case)
    if plan is None:
        return
    for f in plan.findings:
        assert f.citations and set(f.citations) <= BIB, f
        if f.severity is Severity.DEFER:
            assert f.until is not None and f.until > TODAY
        if f.severity is Severity.REQUIRE:
            assert f.action
    for group in (plan.explanations, plan.aftercare, plan.risks, plan.series,
                  [a.depth for a in plan.areas]):
        for item in group:
            assert set(item.citations) <= BIB
    assert Plan.model_validate_json(plan.model_dump_json()) == plan


@SETTINGS
@given(cases())
def test_sessions_respect_interval_floors_and_deferrals(
        case: tuple[ClientProfile, TreatmentRequest, datetime | None]) -> None:
    plan = _plan(case)
    if plan is None:
        return
    _, request, _ = case
    defers = [f for f in plan.findings if f.severity is Severity.DEFER
              and f.applies_to == "treatment" and f.code != "appointment_before_earliest"]
    for s in plan.series:
        for code in s.areas:
            floor = INTERVAL_FLOOR_DAYS[D.areas[code].region]
            dates = [w.earliest for w in s.sessions if code in {x.area for x in w.areas}]
            priors = sorted(p.date for p in request.prior_sessions if code in p.areas)
            if priors:
                assert dates[0] >= priors[-1] + timedelta(days=floor)
            assert dates[0] >= TODAY
            for a, b in itertools.pairwise(dates):
                assert (b - a).days >= floor
            for f in defers:
                if f.area in (None, code):
                    assert f.until is not None and dates[0] >= f.until
        for w in s.sessions:
            assert w.earliest <= w.latest
