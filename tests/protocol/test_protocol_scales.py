"""Scales: definitions in data, scorers compute from them."""

from __future__ import annotations

import pytest

from needlepoint.protocol.scales import (
    default_scales,
    fitzpatrick,
    gais,
    goodman_baron_grade,
    goodman_baron_quantitative,
    posas_observer,
)


def test_goodman_baron_qualitative_grades() -> None:
    assert [goodman_baron_grade(g).label for g in (1, 2, 3, 4)] == [
        "Macular", "Mild", "Moderate", "Severe"]
    assert "stretch" in (goodman_baron_grade(3).description or "")
    with pytest.raises(ValueError, match="not a level"):
        goodman_baron_grade(5)


def test_goodman_baron_quantitative_bands_and_maximum() -> None:
    assert goodman_baron_quantitative({}) == 0
    assert goodman_baron_quantitative({"macular": 10}) == 1
    assert goodman_baron_quantitative({"macular": 11}) == 2
    assert goodman_baron_quantitative({"macular": 21}) == 3
    assert goodman_baron_quantitative({"linear_troughed": 5, "papular": 15}) == 3 + 4
    assert goodman_baron_quantitative({"macular": 0}) == 0
    assert goodman_baron_quantitative({}, keloidal_area_cm2=4) == 6
    assert goodman_baron_quantitative({}, keloidal_area_cm2=10) == 12
    assert goodman_baron_quantitative({}, keloidal_area_cm2=25) == 18
    items = default_scales().scales["goodman_baron_quantitative"].items
    assert goodman_baron_quantitative({k: 99 for k in items}, keloidal_area_cm2=99) == 84
    with pytest.raises(ValueError, match="unknown scar type"):
        goodman_baron_quantitative({"dimple": 3})


def test_gais_and_fitzpatrick() -> None:
    assert gais(1).label == "Very much improved"
    assert gais(5).label == "Worse"
    assert fitzpatrick(6).label == "VI"
    scale = default_scales().scales["gais"]
    assert {"stretch_marks_alba", "fine_lines"} <= set(scale.use_for)


def test_posas_observer_sum() -> None:
    names = default_scales().scales["posas_observer"].observer_items
    assert posas_observer(dict.fromkeys(names, 1)) == 6
    assert posas_observer(dict.fromkeys(names, 10)) == 60
    with pytest.raises(ValueError):
        posas_observer(dict.fromkeys(names, 11))
    with pytest.raises(ValueError):
        posas_observer({"vascularity": 3})
