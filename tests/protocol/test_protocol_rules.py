"""One test (or a few) per rule of the seed, plus the screening and device rules."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from needlepoint.protocol import (
    AreaState,
    DepthOverrideError,
    Medication,
    Plan,
    PlanInputError,
    PriorSession,
    Severity,
    default_protocol,
)

from .protocol_helpers import (
    APPOINTMENT,
    LONDON,
    TODAY,
    area,
    clinic_protocol,
    pen,
    plan_for,
    profile,
    roller,
    shipped_data,
)

FACE5 = [
    area("cheeks", "acne_scars", goodman_baron_grade=3),
    area("jawline", "acne_scars", goodman_baron_grade=2),
    area("forehead", "fine_lines"),
    area("nose", "texture_pores"),
    area("perioral", "fine_lines"),
]


def codes(plan: Plan, severity: Severity | None = None) -> set[str]:
    return {f.code for f in plan.findings if severity is None or f.severity is severity}


# --- depth: 0.5 mm minimum, 0.5–2.5 mm range ----------------------------------------------


def test_every_recommendation_is_at_least_half_a_millimetre() -> None:
    p = default_protocol()
    for code, a in p.data.areas.items():
        for ind_code, ind in p.data.indications.items():
            if a.region not in ind.regions:
                continue
            plan = plan_for([area(code, ind_code)], device=pen("2.5"))
            d = plan.areas[0].depth
            assert d.chosen_mm >= Decimal("0.5"), (code, ind_code)
            assert d.range_min_mm >= Decimal("0.5"), (code, ind_code)


def test_override_below_half_a_millimetre_is_refused() -> None:
    with pytest.raises(DepthOverrideError) as exc:
        plan_for([area("cheeks", "fine_lines", override_mm=Decimal("0.25"),
                       override_reason="gentle")])
    assert exc.value.field == "areas[0].override_mm"
    assert "below the 0.5 mm minimum" in exc.value.problem


def test_pen_that_cannot_reach_half_a_millimetre_blocks_the_area() -> None:
    plan = plan_for([area("cheeks", "fine_lines")], device=pen("0.25"))
    assert plan.areas == []
    assert plan.removed_areas[0].finding_codes == ["device_below_floor"]
    assert plan.status == "blocked"


def test_range_never_exceeds_2_5_mm_even_with_a_3_mm_device() -> None:
    plan = plan_for([area("abdomen", "stretch_marks_alba", override_mm=Decimal("2.5"),
                          override_reason="thick skin, deep striae")], device=pen("3.0"))
    d = plan.areas[0].depth
    assert d.chosen_mm == Decimal("2.5")
    assert d.cap_mm == Decimal("2.5")
    assert "override_accepted" in codes(plan, Severity.WARN)
    assert "depth_above_label_evaluated" in codes(plan, Severity.WARN)
    with pytest.raises(DepthOverrideError) as exc:
        plan_for([area("abdomen", "stretch_marks_alba", override_mm=Decimal("2.6"),
                       override_reason="x")], device=pen("3.0"))
    assert "exceeds the hard maximum 2.5 mm" in exc.value.problem


def test_goodman_baron_grade_3_4_on_cheeks_is_1_5_mm() -> None:
    for grade, want in ((1, "1.0"), (2, "1.0"), (3, "1.5"), (4, "1.5")):
        plan = plan_for([area("cheeks", "acne_scars", goodman_baron_grade=grade)])
        d = plan.areas[0].depth
        assert d.chosen_mm == Decimal(want), grade
        assert (d.range_min_mm, d.range_max_mm) == (Decimal("1.0"), Decimal("1.5"))
    why = plan.areas[0].depth.explanation
    assert why.startswith("Why 1.5 mm — Cheeks")
    assert "Goodman–Baron grade 4 on cheeks → 1.5 mm" in why
    assert "editable defaults with hard caps" in why


def test_device_maximum_caps_the_depth() -> None:
    plan = plan_for([area("thighs_legs", "stretch_marks_alba")], device=pen("1.0"))
    d = plan.areas[0].depth
    assert d.chosen_mm == Decimal("1.0")
    assert d.source == "device_capped"
    assert d.cap_mm == Decimal("1.0")
    assert "device_below_recommended" in codes(plan, Severity.WARN)


def test_override_within_recommendation_needs_no_reason() -> None:
    plan = plan_for([area("cheeks", "acne_scars", override_mm=Decimal("1.25"))])
    assert plan.areas[0].depth.chosen_mm == Decimal("1.25")
    assert plan.areas[0].depth.source == "override"
    assert "override_accepted" not in codes(plan)


def test_override_above_override_threshold_requires_a_reason() -> None:
    with pytest.raises(DepthOverrideError) as exc:
        plan_for([area("cheeks", "acne_scars", override_mm=Decimal("1.75"))])
    assert exc.value.field == "areas[0].override_reason"
    assert "required" in exc.value.problem
    plan = plan_for([area("cheeks", "acne_scars", override_mm=Decimal("1.75"),
                          override_reason="deep rolling scars, tolerated 1.5 well")])
    assert plan.areas[0].depth.chosen_mm == Decimal("1.75")
    assert plan.areas[0].depth.override_reason == "deep rolling scars, tolerated 1.5 well"
    warn = next(f for f in plan.findings if f.code == "override_accepted")
    assert "deep rolling scars" in warn.reason


def test_override_above_area_hard_max_or_device_is_refused() -> None:
    with pytest.raises(DepthOverrideError, match=r"hard maximum 2\.0 mm for cheeks"):
        plan_for([area("cheeks", "acne_scars", override_mm=Decimal("2.25"), override_reason="x")],
                 device=pen("2.5"))
    with pytest.raises(DepthOverrideError, match=r"device's maximum 1\.5 mm"):
        plan_for([area("cheeks", "acne_scars", override_mm=Decimal("1.75"), override_reason="x")],
                 device=pen("1.5"))


def test_roller_longer_than_area_hard_max_blocks_that_area_only() -> None:
    plan = plan_for([area("forehead", "fine_lines"), area("cheeks", "acne_scars")],
                    device=roller("1.5"))
    assert [r.area for r in plan.removed_areas] == ["forehead"]
    assert plan.removed_areas[0].finding_codes == ["device_above_area_max"]
    assert plan.areas[0].depth.chosen_mm == Decimal("1.5")
    assert plan.areas[0].depth.source == "roller"


def test_roller_outside_recommended_range_needs_a_reason() -> None:
    plan = plan_for([area("forehead", "fine_lines")], device=roller("1.0"))
    assert "roller_needs_reason" in codes(plan, Severity.REQUIRE)
    assert plan.status == "action_required"
    plan = plan_for([area("forehead", "fine_lines", override_reason="thick forehead skin")],
                    device=roller("1.0"))
    assert "roller_outside_recommended" in codes(plan, Severity.WARN)
    plan = plan_for([area("cheeks", "fine_lines")], device=roller("1.0"))
    assert not codes(plan) & {"roller_needs_reason", "roller_outside_recommended"}
    with pytest.raises(DepthOverrideError, match="fixed length"):
        plan_for([area("cheeks", "fine_lines", override_mm=Decimal("0.5"))], device=roller("1.0"))


def test_roller_on_bony_area_warns_about_tram_tracks() -> None:
    plan = plan_for([area("nose", "texture_pores")], device=roller("0.5"))
    assert "roller_bony_area" in codes(plan, Severity.WARN)
    assert next(r for r in plan.risks if r.code == "tram_track").highlighted


def test_indication_missing_from_table_uses_shallowest_range_and_warns() -> None:
    plan = plan_for([area("hands", "stretch_marks_alba")])
    assert plan.areas[0].depth.chosen_mm == Decimal("0.5")
    assert "indication_outside_table" in codes(plan, Severity.WARN)


def test_surgical_scars_use_body_scar_column_on_body_and_scar_column_on_face() -> None:
    body = plan_for([area("abdomen", "surgical_scars")]).areas[0].depth
    face = plan_for([area("cheeks", "surgical_scars")]).areas[0].depth
    assert (body.depth_group, body.chosen_mm) == ("striae", Decimal("1.5"))
    assert (face.depth_group, face.chosen_mm) == ("scars", Decimal("1.0"))


# --- screening: inflamed/infected never treated, other contraindications ------------------


@pytest.mark.parametrize("state", ["inflamed", "infected", "herpes_lesion", "open_wound",
                                   "active_acne", "eczema", "psoriasis", "suspicious_lesion"])
def test_area_with_blocking_state_is_removed_with_its_reason(state: str) -> None:
    client = profile(skin_state={"nose": [AreaState(code=state)]})
    plan = plan_for(FACE5, client)
    assert "nose" not in {a.area for a in plan.areas}
    removed = {r.area: r for r in plan.removed_areas}
    assert removed["nose"].reason
    assert all(f.area == "nose" for f in plan.findings if f.severity is Severity.BLOCK)
    assert len(plan.areas) == 4
    assert all("nose" not in s.areas for s in plan.series)
    assert plan.numbing is not None and "nose" not in plan.numbing.areas


def test_region_key_blocks_every_area_in_it() -> None:
    client = profile(skin_state={"face": ["inflamed"]})
    plan = plan_for([*FACE5, area("abdomen", "stretch_marks_alba")], client)
    assert [a.area for a in plan.areas] == ["abdomen"]
    assert {r.area for r in plan.removed_areas} == {a.area for a in FACE5}


@pytest.mark.parametrize(("condition", "code"), [
    ("pregnant", "pregnancy"), ("nursing", "pregnancy"), ("bleeding_disorder", "bleeding_disorder"),
    ("metal_allergy", "metal_allergy")])
def test_global_block_removes_everything_never_silently(condition: str, code: str) -> None:
    plan = plan_for(FACE5, profile(conditions=[condition]))
    assert plan.areas == [] and plan.series == [] and plan.numbing is None
    assert plan.status == "blocked"
    assert len(plan.removed_areas) == 5
    assert all(r.finding_codes == [code] and r.reason for r in plan.removed_areas)


def test_current_isotretinoin_blocks() -> None:
    plan = plan_for(FACE5, profile(medications=[Medication(code="isotretinoin")]))
    assert plan.status == "blocked"
    assert codes(plan, Severity.BLOCK) == {"isotretinoin_current"}


def test_recent_isotretinoin_defers_six_months_from_stopping() -> None:
    stopped = date(2026, 8, 31)
    plan = plan_for(FACE5, profile(medications=[Medication(code="isotretinoin",
                                                           stopped_on=stopped)]))
    f = next(f for f in plan.findings if f.code == "isotretinoin_recent")
    assert f.severity is Severity.DEFER
    assert f.until == date(2027, 2, 28)  # 31 Aug + 6 months, clamped to February
    assert plan.status == "deferred"
    assert plan.earliest_start == date(2027, 2, 28)
    assert plan.series[0].sessions[0].earliest == date(2027, 2, 28)
    assert "WALDMAN2017" in f.citations
    old = plan_for(FACE5, profile(medications=[Medication(code="isotretinoin",
                                                          stopped_on=date(2026, 4, 1))]))
    assert "isotretinoin_recent" not in codes(old)


def test_sunburn_defers_the_area_until_healed() -> None:
    client = profile(skin_state={"cheeks": [AreaState(code="sunburn", since=date(2026, 11, 18))]})
    plan = plan_for([area("cheeks", "fine_lines")], client)
    f = next(f for f in plan.findings if f.code == "sunburn")
    assert (f.severity, f.area, f.until) == (Severity.DEFER, "cheeks", date(2026, 12, 2))
    assert plan.areas[0].earliest_start == date(2026, 12, 2)
    assert "sunburn until 2026-12-02" in plan.series[0].explanation


def test_appointment_before_deferral_is_flagged() -> None:
    client = profile(skin_state={"cheeks": [AreaState(code="sunburn", since=TODAY)]})
    plan = plan_for([area("cheeks", "fine_lines")], client, appointment=APPOINTMENT)
    f = next(f for f in plan.findings if f.code == "appointment_before_earliest")
    assert f.severity is Severity.DEFER and f.until == TODAY + timedelta(days=14)


def test_herpes_history_requires_antiviral_prophylaxis_for_the_face() -> None:
    plan = plan_for([area("perioral", "fine_lines")], profile(conditions=["herpes_simplex_history"]))
    f = next(f for f in plan.findings if f.code == "herpes_history")
    assert f.severity is Severity.REQUIRE and "ntiviral" in (f.action or "")
    assert plan.status == "action_required"
    body = plan_for([area("abdomen", "stretch_marks_alba")],
                    profile(conditions=["herpes_simplex_history"]))
    assert "herpes_history" not in codes(body)


@pytest.mark.parametrize("fitzpatrick", [1, 2, 3, 4, 5, 6])
def test_all_skin_types_are_eligible_because_there_is_no_heat(fitzpatrick: int) -> None:
    plan = plan_for(FACE5, profile(fitzpatrick=fitzpatrick))
    assert len(plan.areas) == 5
    assert not codes(plan, Severity.BLOCK) and not codes(plan, Severity.DEFER)
    assert ("pih_risk" in codes(plan, Severity.WARN)) is (fitzpatrick >= 4)
    assert "no heat" in plan.explanations[0].text


def test_neck_lines_in_skin_type_v_vi_warn() -> None:
    assert "neck_lines_dark_skin" in codes(plan_for([area("neck", "fine_lines")], profile(5)))
    assert "neck_lines_dark_skin" not in codes(plan_for([area("neck", "fine_lines")], profile(4)))


def test_age_under_22_for_acne_scars_warns_off_label() -> None:
    young = profile(date_of_birth=date(2006, 1, 1))
    assert "acne_scars_under_22" in codes(plan_for([area("cheeks", "acne_scars")], young))
    assert "acne_scars_under_22" not in codes(plan_for([area("cheeks", "fine_lines")], young))
    older = profile(date_of_birth=date(2004, 11, 20))  # 22 today
    assert "acne_scars_under_22" not in codes(plan_for([area("cheeks", "acne_scars")], older))


def test_warnings_for_bleeding_healing_keloid_and_retinoids() -> None:
    client = profile(conditions=["keloid_history", "diabetes"],
                     medications=[Medication(code="anticoagulant"),
                                  Medication(code="topical_retinoid",
                                             stopped_on=TODAY - timedelta(days=3))])
    plan = plan_for([area("cheeks", "fine_lines")], client)
    assert {"keloid_history", "blood_thinners", "slow_healing_condition",
            "recent_retinoid"} <= codes(plan, Severity.WARN)
    assert plan.status == "ready"
    assert {r.code for r in plan.risks if r.highlighted} >= {"bruising", "bleeding", "infection",
                                                               "scarring"}
    later = profile(medications=[Medication(code="topical_retinoid",
                                            stopped_on=TODAY - timedelta(days=10))])
    assert "recent_retinoid" not in codes(plan_for([area("cheeks", "fine_lines")], later))


def test_periorbital_always_warns_orbital_rim() -> None:
    plan = plan_for([area("periorbital", "fine_lines")])
    f = next(f for f in plan.findings if f.code == "orbital_rim")
    assert f.area == "periorbital" and "SKINPEN" in f.citations


# --- numbing: 5 % lidocaine, 45 min, 3–4 h; surface limits; allergy -----------------------


def test_default_numbing_is_5_percent_lidocaine_45_min_before_3_to_4_hours() -> None:
    plan = plan_for(FACE5, appointment=APPOINTMENT)
    n = plan.numbing
    assert n is not None
    assert n.agent == "lidocaine_5" and "5 %" in (n.agent_name or "")
    assert n.apply_at == APPOINTMENT - timedelta(minutes=45)
    assert n.ready_at == APPOINTMENT
    assert n.effective_until == APPOINTMENT + timedelta(hours=3)
    assert n.effective_until_latest == APPOINTMENT + timedelta(hours=4)
    assert n.covers_session and n.session_end is not None
    assert n.session_end <= n.effective_until
    assert n.apply_at.utcoffset() is not None
    assert not n.occlusion_allowed and not n.heat_allowed
    assert any("occlusion" in c for c in n.conditions)


def test_numbing_clock_times_follow_the_location_time_zone_across_dst() -> None:
    start = datetime(2027, 3, 28, 1, 30, tzinfo=LONDON)  # clocks go forward at 01:00 UTC
    plan = plan_for([area("cheeks", "fine_lines")], appointment=start, today=date(2027, 3, 1))
    n = plan.numbing
    assert n is not None and n.apply_at is not None and n.effective_until is not None
    assert n.ready_at is not None
    # Elapsed, not wall-clock, hours (datetimes sharing a tzinfo subtract on the wall clock).
    assert n.effective_until.astimezone(UTC) - n.ready_at.astimezone(UTC) == timedelta(hours=3)
    assert n.apply_at.tzinfo is not None


def test_large_area_near_limit_warns() -> None:
    plan = plan_for([area("thighs_legs", "stretch_marks_alba")])
    assert plan.numbing is not None and plan.numbing.status == "near_limit"
    assert "numbing_area_near_limit" in codes(plan, Severity.WARN)


def test_over_limit_is_split_into_appointments_never_one_application() -> None:
    areas = [area("abdomen", "stretch_marks_alba"), area("thighs_legs", "stretch_marks_alba"),
             area("buttocks", "stretch_marks_alba")]
    plan = plan_for(areas, appointment=APPOINTMENT)
    n = plan.numbing
    assert n is not None and n.status == "split"
    assert n.surface_cm2 <= 600
    assert all(g.surface_cm2 <= 600 for g in n.groups)
    assert sorted(a for g in n.groups for a in g.areas) == sorted(a.area for a in areas)
    f = next(f for f in plan.findings if f.code == "numbing_area_over_limit")
    assert f.severity is Severity.REQUIRE and f.applies_to == "numbing"
    assert len(plan.areas) == 3  # treatment itself is not blocked


def test_single_area_over_limit_is_not_numbed() -> None:
    plan = plan_for([area("back", "stretch_marks_alba", surface_cm2=900)])
    assert plan.numbing is not None and plan.numbing.status == "blocked"
    f = next(f for f in plan.findings if f.code == "numbing_area_single_over_limit")
    assert f.severity is Severity.BLOCK and f.applies_to == "numbing" and f.area == "back"
    assert [a.area for a in plan.areas] == ["back"]


def test_anaesthetic_allergy_blocks_numbing_not_treatment() -> None:
    plan = plan_for(FACE5, profile(conditions=["anaesthetic_allergy"]), appointment=APPOINTMENT)
    assert plan.numbing is not None and plan.numbing.status == "blocked"
    assert plan.numbing.agent is None
    f = next(f for f in plan.findings if f.code == "anaesthetic_allergy")
    assert f.severity is Severity.BLOCK and f.applies_to == "numbing"
    assert len(plan.areas) == 5
    assert plan.status == "action_required"


def test_short_acting_agent_flags_a_long_session() -> None:
    areas = [*FACE5, area("neck", "fine_lines", surface_cm2=100)]
    plan = plan_for(areas, appointment=APPOINTMENT, numbing_agent="lmx4")
    n = plan.numbing
    assert n is not None and not n.covers_session
    assert n.session_minutes > 60
    assert "numbing_window_short" in codes(plan, Severity.WARN)


def test_compounded_and_otc_strength_flags(tmp_path: Path) -> None:
    plan = plan_for(FACE5, numbing_agent="compounded_blt")
    assert "numbing_compounded" in codes(plan, Severity.REQUIRE)
    data = shipped_data()
    otc = dict(data["numbing"]["agents"]["lidocaine_5"], otc=True, name="OTC lidocaine 5 %")
    data["numbing"]["agents"]["otc_lido5"] = otc
    plan = plan_for(FACE5, numbing_agent="otc_lido5", protocol=clinic_protocol(tmp_path, data))
    assert "numbing_otc_strength" in codes(plan, Severity.WARN)
    assert "numbing_otc_strength" not in codes(plan_for(FACE5, numbing_agent="lmx4"))


def test_prilocaine_with_g6pd_deficiency_warns() -> None:
    client = profile(conditions=["g6pd_deficiency"])
    assert "prilocaine_methaemoglobinaemia" in codes(plan_for(FACE5, client, numbing_agent="emla"))
    assert "prilocaine_methaemoglobinaemia" not in codes(plan_for(FACE5, client))


# --- series: 4–6 sessions, monthly for severe scars, 3–6 months maintenance -----------------


def test_course_is_4_to_6_sessions() -> None:
    s = plan_for([area("cheeks", "fine_lines")]).series[0]
    assert (s.sessions_min, s.sessions_max) == (4, 6)
    assert [w.areas[0].optional for w in s.sessions] == [False] * 4 + [True] * 2
    assert (s.interval_min_days, s.interval_max_days) == (28, 42)


def test_severe_acne_scarring_is_monthly_for_4_to_6_months() -> None:
    for grade in (3, 4):
        s = plan_for([area("cheeks", "acne_scars", goodman_baron_grade=grade)]).series[0]
        assert s.interval_min_days <= 30 <= s.interval_max_days <= 35
        assert (s.sessions_min, s.sessions_max) == (4, 6)
        assert "monthly" in s.interval_label
        assert s.touch_ups[0].kind == "on_request"
        gaps = [(b.earliest - a.earliest).days for a, b in itertools.pairwise(s.sessions)]
        assert all(28 <= g <= 35 for g in gaps)
    mild = plan_for([area("cheeks", "acne_scars", goodman_baron_grade=2)]).series[0]
    assert mild.interval_max_days == 42


def test_healthy_skin_maintenance_every_3_to_6_months() -> None:
    s = plan_for([area("cheeks", "healthy_skin")]).series[0]
    assert len(s.sessions) == 1
    t = s.touch_ups[0]
    assert t.kind == "recall" and "3–6 months" in t.label
    assert 89 <= (t.earliest - s.sessions[0].earliest).days <= 92
    assert t.latest is not None and 181 <= (t.latest - s.sessions[0].latest).days <= 184


def test_finished_course_continues_with_maintenance_from_last_session() -> None:
    last = date(2026, 10, 1)
    priors = [PriorSession(date=last - timedelta(days=30 * i), areas=["forehead"])
              for i in range(6)]
    s = plan_for([area("forehead", "fine_lines")], prior_sessions=priors).series[0]
    w = s.sessions[0]
    assert w.areas[0].kind == "maintenance" and w.areas[0].course_session == 7
    assert w.earliest == last + timedelta(days=91) and w.latest == last + timedelta(days=183)


def test_literature_maintenance_policy_is_configurable(tmp_path: Path) -> None:
    data = shipped_data()
    data["series"]["maintenance_policy"] = "literature"
    s = plan_for([area("cheeks", "healthy_skin")], protocol=clinic_protocol(tmp_path, data)
                 ).series[0]
    assert (s.touch_ups[0].earliest - s.sessions[0].earliest).days == 183


def test_prior_sessions_count_and_next_window_starts_from_the_last() -> None:
    priors = [PriorSession(date=date(2026, 10, 1), areas=["cheeks"]),
              PriorSession(date=date(2026, 11, 1), areas=["cheeks"])]
    s = plan_for([area("cheeks", "acne_scars", goodman_baron_grade=3)],
                 prior_sessions=priors).series[0]
    first = s.sessions[0]
    assert first.areas[0].course_session == 3
    assert first.earliest == date(2026, 11, 29) and first.latest == date(2026, 12, 6)
    assert len(s.sessions) == 4  # 6 − 2 done
    assert [w.areas[0].optional for w in s.sessions] == [False, False, True, True]


def test_overlapping_windows_merge_into_one_series() -> None:
    plan = plan_for([area("cheeks", "acne_scars", goodman_baron_grade=3),
                     area("forehead", "fine_lines")])
    assert len(plan.series) == 1
    s = plan.series[0]
    assert (s.interval_min_days, s.interval_max_days) == (28, 35)
    assert "overlap" in s.explanation


def test_disjoint_windows_split_into_separate_series_and_say_why() -> None:
    plan = plan_for([area("cheeks", "acne_scars"), area("forehead", "healthy_skin")])
    assert len(plan.series) == 2
    assert {a.series_id for a in plan.areas} == {"S1", "S2"}
    assert all("do not overlap" in s.explanation for s in plan.series)


def test_interval_floor_holds_even_if_a_clinic_file_got_past_validation() -> None:
    s = plan_for([area("cheeks", "fine_lines")]).series[0]
    gaps = [(b.earliest - a.earliest).days for a, b in itertools.pairwise(s.sessions)]
    assert min(gaps) >= 14


# --- aftercare ----------------------------------------------------------------------------


def test_no_make_up_for_24_hours_then_light_make_up() -> None:
    plan = plan_for(FACE5, appointment=APPOINTMENT)
    ev = {e.code: e for e in plan.aftercare}
    assert (ev["no_makeup"].starts_after_hours, ev["no_makeup"].ends_after_hours) == (0, 24)
    assert ev["light_makeup"].starts_after_hours == 24
    assert "SEED" in ev["no_makeup"].citations
    end = plan.numbing.session_end if plan.numbing else None
    assert end is not None and ev["no_makeup"].ends_at == end + timedelta(hours=24)
    body = plan_for([area("abdomen", "stretch_marks_alba")])
    assert "no_makeup" not in {e.code for e in body.aftercare}


def test_retinol_and_actives_avoided_for_days() -> None:
    ev = {e.code: e for e in plan_for(FACE5).aftercare}["avoid_actives"]
    assert ev.category == "avoid"
    assert ev.ends_after_hours is not None and 72 <= ev.ends_after_hours <= 120
    assert "retinol" in ev.text.lower()


def test_aftercare_covers_sun_serum_and_when_to_call() -> None:
    codes_ = {e.code for e in plan_for(FACE5).aftercare}
    assert {"sun_protection", "serum", "call_clinic", "approved_products_only"} <= codes_


# --- risks, explanations, serialisation, input errors -------------------------------------


def test_risk_disclosure_has_seed_risks_and_literature_additions() -> None:
    risks = {r.code: r for r in plan_for(FACE5).risks}
    assert {"bruising", "infection", "bleeding", "scarring", "pigment_problems"} <= set(risks)
    assert {"tram_track", "granuloma", "herpes_reactivation",
            "post_inflammatory_hyperpigmentation"} <= set(risks)
    assert all(r.citations for r in risks.values())


def test_plan_is_json_serialisable_and_round_trips() -> None:
    plan = plan_for(FACE5, profile(4, conditions=["herpes_simplex_history"]),
                    appointment=APPOINTMENT)
    data = json.loads(json.dumps(plan.model_dump(mode="json")))
    assert data["protocol_id"] == "needlepoint-default" and data["protocol_version"] == "2026.1"
    assert data["areas"][0]["depth"]["chosen_mm"] == 1.5
    assert Plan.model_validate(data) == plan


def test_every_decision_is_explained() -> None:
    plan = plan_for(FACE5, profile(skin_state={"nose": ["inflamed"]}),
                    appointment=APPOINTMENT)
    topics = {(e.topic, e.area) for e in plan.explanations}
    assert {("depth", a.area) for a in plan.areas} <= topics
    assert ("screening", "nose") in topics
    assert {"series", "numbing", "aftercare", "risks", "protocol"} <= {t for t, _ in topics}


@pytest.mark.parametrize(("kw", "field"), [
    ({"areas": [area("cheeks", "fine_lines"), area("elbow", "fine_lines")]}, "areas[1].area"),
    ({"areas": [area("cheeks", "warts")]}, "areas[0].indication"),
    ({"areas": [area("scalp", "acne_scars")]}, "areas[0].indication"),
    ({"areas": [area("cheeks", "fine_lines", goodman_baron_grade=2)]},
     "areas[0].goodman_baron_grade"),
    ({"areas": [area("cheeks", "fine_lines"), area("cheeks", "acne_scars")]}, "areas[1].area"),
    ({"areas": [area("cheeks", "fine_lines")], "numbing_agent": "ice"}, "numbing_agent"),
    ({"areas": [area("cheeks", "fine_lines")],
      "prior_sessions": [PriorSession(date=date(2030, 1, 1), areas=["cheeks"])]},
     "prior_sessions[0].date"),
])
def test_bad_request_names_the_field(kw: dict[str, Any], field: str) -> None:
    areas = kw.pop("areas")
    with pytest.raises(PlanInputError) as exc:
        plan_for(areas, **kw)
    assert exc.value.field == field


def test_bad_profile_names_the_field() -> None:
    with pytest.raises(PlanInputError) as exc:
        plan_for(FACE5, profile(conditions=["vampirism"]))
    assert exc.value.field == "client.conditions[0]"
    assert "unknown condition 'vampirism' (known:" in str(exc.value)
    with pytest.raises(PlanInputError) as exc:
        plan_for(FACE5, profile(skin_state={"elbow": ["inflamed"]}))
    assert exc.value.field == "client.skin_state.elbow"


def test_naive_appointment_is_refused() -> None:
    with pytest.raises(PlanInputError) as exc:
        plan_for(FACE5, appointment=datetime(2026, 12, 1, 14, 0))
    assert exc.value.field == "appointment_start"
