"""Sides of paired areas (``cheeks.left``): states, findings, depth, surfaces and series per side;
a bare area is both sides; bad sides are refused naming the field."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from needlepoint.protocol import (
    AreaState,
    Plan,
    PlanInputError,
    PriorSession,
    ProtocolDataError,
    default_protocol,
)
from needlepoint.protocol.limits import MANDATORY_BLOCK_STATES

from .protocol_helpers import TODAY, area, clinic_protocol, plan_for, profile, shipped_data

PROTOCOL = default_protocol()
PAIRED = sorted(c for c, a in PROTOCOL.data.areas.items() if a.paired)
BLOCK_STATES = sorted(MANDATORY_BLOCK_STATES)
DEVICE_MAX = Decimal("2.0")  # plan_for's pen


def _indication_for(code: str) -> str:
    region = PROTOCOL.area(code).region
    return next(c for c, i in PROTOCOL.data.indications.items()
                if region in i.regions and not i.uses_grade)


def _codes(plan: Plan) -> set[str]:
    return {a.area for a in plan.areas}


def test_the_shipped_protocol_pairs_the_areas_that_have_sides() -> None:
    assert {"periorbital", "cheeks", "jawline", "neck", "hands", "arms", "thighs_legs",
            "buttocks"} <= set(PAIRED)
    assert not {"forehead", "nose", "perioral", "scalp"} & set(PAIRED)


def test_an_inflamed_left_cheek_removes_only_the_left_side() -> None:
    plan = plan_for([area("cheeks", "acne_scars", goodman_baron_grade=3)],
                    profile(skin_state={"cheeks.left": [AreaState(code="inflamed")]}))
    assert _codes(plan) == {"cheeks.right"}
    right = plan.areas[0]
    assert (right.side, right.area_name) == ("right", "Cheeks (right)")
    assert right.surface_cm2 == PROTOCOL.area("cheeks").surface_cm2 // 2
    assert [(r.area, r.side) for r in plan.removed_areas] == [("cheeks.left", "left")]
    assert [(f.code, f.area) for f in plan.findings if f.code == "inflamed_area"] == [
        ("inflamed_area", "cheeks.left")]
    assert any("Cheeks (left) removed" in e.text for e in plan.explanations)
    assert plan.numbing is not None and plan.numbing.areas == ["cheeks.right"]


def test_a_bare_area_stays_whole_when_its_sides_do_not_differ() -> None:
    plan = plan_for([area("cheeks", "acne_scars", goodman_baron_grade=3)],
                    profile(skin_state={"cheeks": [AreaState(code="inflamed")]}))
    assert _codes(plan) == set() and [r.area for r in plan.removed_areas] == ["cheeks"]
    whole = plan_for([area("cheeks", "acne_scars", goodman_baron_grade=3)])
    assert [(a.area, a.side, a.surface_cm2) for a in whole.areas] == [
        ("cheeks", None, PROTOCOL.area("cheeks").surface_cm2)]


def test_a_state_on_the_bare_area_holds_for_each_side() -> None:
    plan = plan_for([area("cheeks.left", "acne_scars", goodman_baron_grade=2),
                     area("cheeks.right", "acne_scars", goodman_baron_grade=2)],
                    profile(skin_state={"cheeks": [AreaState(code="infected")]}))
    assert _codes(plan) == set()
    assert sorted(r.area for r in plan.removed_areas) == ["cheeks.left", "cheeks.right"]


def test_each_side_has_its_own_depth_and_surface() -> None:
    plan = plan_for([
        area("cheeks.left", "acne_scars", goodman_baron_grade=4, override_mm=Decimal("1.75"),
             override_reason="deep rolling scars on this side", surface_cm2=120),
        area("cheeks.right", "acne_scars", goodman_baron_grade=2),
    ])
    depth = {a.area: a.depth.chosen_mm for a in plan.areas}
    assert depth == {"cheeks.left": Decimal("1.75"), "cheeks.right": Decimal("1.00")}
    surface = {a.area: a.surface_cm2 for a in plan.areas}
    assert surface == {"cheeks.left": 120, "cheeks.right": 100}
    assert [f.area for f in plan.findings if f.code == "override_accepted"] == ["cheeks.left"]


def test_a_session_on_one_side_does_not_hold_back_the_other() -> None:
    prior = [PriorSession(date=TODAY - timedelta(days=7), areas=["cheeks.left"])]
    right = plan_for([area("cheeks.right", "texture_pores")], prior_sessions=prior)
    left = plan_for([area("cheeks.left", "texture_pores")], prior_sessions=prior)
    assert right.areas[0].earliest_start == TODAY
    assert left.areas[0].earliest_start > TODAY  # the interval floor runs from last week


def test_a_session_on_the_whole_area_holds_back_both_sides() -> None:
    plan = plan_for([area("cheeks.left", "texture_pores"), area("cheeks.right", "texture_pores")],
                    prior_sessions=[PriorSession(date=TODAY - timedelta(days=7), areas=["cheeks"])])
    assert all(a.earliest_start > TODAY for a in plan.areas)


@pytest.mark.parametrize(
    ("requested", "client", "field", "message"),
    [
        (["forehead.left"], {}, "areas[0].area", "'forehead' has no sides"),
        (["cheeks.middle"], {}, "areas[0].area", "unknown side 'middle'"),
        (["cheeks", "cheeks.left"], {}, "areas[1].area", "'cheeks.left' overlaps 'cheeks'"),
        (["cheek.left"], {}, "areas[0].area", "unknown area 'cheek'"),
        (["cheeks"], {"nose.right": [AreaState(code="inflamed")]}, "client.skin_state.nose.right",
         "'nose' has no sides"),
    ],
)
def test_bad_sides_are_refused_naming_the_field(requested: list[str], client: dict[str, list[AreaState]],
                                                field: str, message: str) -> None:
    with pytest.raises(PlanInputError) as err:
        plan_for([area(c, "texture_pores") for c in requested], profile(skin_state=client))
    assert err.value.field == field and message in err.value.problem


def test_a_clinic_protocol_may_pair_an_area_and_may_not_put_a_dot_in_a_code(tmp_path: Path) -> None:
    data = shipped_data()
    data["areas"]["forehead"]["paired"] = True
    mine = clinic_protocol(tmp_path, data)
    plan = plan_for([area("forehead.left", "texture_pores")], protocol=mine)
    assert _codes(plan) == {"forehead.left"}

    data = shipped_data()
    data["areas"]["cheeks.upper"] = data["areas"]["cheeks"]
    with pytest.raises(ProtocolDataError, match=r"areas\.cheeks\.upper.*cannot contain '\.'"):
        clinic_protocol(tmp_path, data)


@settings(max_examples=150, deadline=None)
@given(
    code=st.sampled_from(PAIRED),
    left=st.lists(st.sampled_from(BLOCK_STATES), max_size=2, unique=True),
    right=st.lists(st.sampled_from(BLOCK_STATES), max_size=2, unique=True),
    whole=st.lists(st.sampled_from(BLOCK_STATES), max_size=1),
)
def test_a_block_on_one_side_never_removes_the_other(code: str, left: list[str], right: list[str],
                                                     whole: list[str]) -> None:
    states = {f"{code}.left": left, f"{code}.right": right, code: whole}
    skin = {k: [AreaState(code=s) for s in v] for k, v in states.items() if v}
    plan = plan_for([area(code, _indication_for(code))], profile(skin_state=skin))
    for side, mine in (("left", left), ("right", right)):
        blocked = bool(mine or whole)
        where = f"{code}.{side}" if (left or right) else code
        assert (where in {r.area for r in plan.removed_areas}) == blocked
        assert (where in _codes(plan)) == (not blocked)
    # Sides never under-count the anaesthetic surface of the whole.
    assert sum(a.surface_cm2 for a in plan.areas) + sum(
        PROTOCOL.area(r.area).surface_cm2 // (2 if r.side else 1) for r in plan.removed_areas
    ) >= PROTOCOL.area(code).surface_cm2


@settings(max_examples=100, deadline=None)
@given(
    code=st.sampled_from(PAIRED),
    mm=st.decimals(min_value=Decimal("0.50"), max_value=Decimal("2.50"), places=2),
)
def test_depth_caps_hold_per_side(code: str, mm: Decimal) -> None:
    spec = PROTOCOL.area(code)
    ind = _indication_for(code)
    other = plan_for([area(f"{code}.right", ind)]).areas[0].depth.chosen_mm
    try:
        plan = plan_for([area(f"{code}.left", ind, override_mm=mm, override_reason="asymmetric"),
                         area(f"{code}.right", ind)])
    except PlanInputError as exc:
        assert mm > min(spec.hard_max_mm, DEVICE_MAX) and exc.field == "areas[0].override_mm"
        return
    depth = {a.area: a.depth for a in plan.areas}
    assert depth[f"{code}.left"].chosen_mm == mm <= depth[f"{code}.left"].cap_mm <= spec.hard_max_mm
    assert depth[f"{code}.left"].cap_mm <= DEVICE_MAX
    assert depth[f"{code}.right"].chosen_mm == other


@settings(max_examples=60, deadline=None)
@given(code=st.sampled_from(PAIRED), inflamed=st.sampled_from(["left", "right"]))
def test_sides_round_trip_through_json(code: str, inflamed: str) -> None:
    plan = plan_for([area(code, _indication_for(code))],
                    profile(skin_state={f"{code}.{inflamed}": [AreaState(code="inflamed")]}))
    again = Plan.model_validate_json(plan.model_dump_json())
    assert again == plan
    assert {a.side for a in again.areas} | {r.side for r in again.removed_areas} == {"left", "right"}
