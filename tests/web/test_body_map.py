"""The face and body map's drawing: every protocol area (and each side of a paired one) is a
region somewhere; sides sit where the view says; a bare area stands for both sides."""

from __future__ import annotations

from decimal import Decimal

from needlepoint.protocol import default_protocol
from needlepoint.web import body_map


def _x(region: body_map.Region) -> float:
    return float(region.x)


def test_every_area_and_side_is_drawn() -> None:
    p = default_protocol()
    views = body_map.build(states=dict.fromkeys(p.area_codes(), "choosable"))
    drawn = {r.code for v in views for r in v.regions}
    expected = {c for c in p.area_codes() if not (p.area(c).paired and "." not in c)}
    assert expected <= drawn, f"not on the map: {sorted(expected - drawn)}"


def test_sides_are_where_each_view_says() -> None:
    p = default_protocol()
    views = {v.slug: v for v in body_map.build(states=dict.fromkeys(p.area_codes(), "choosable"))}
    for slug in ("face", "body-front"):  # facing the client: their left on the viewer's right
        for r in views[slug].regions:
            if r.code.endswith(".left"):
                assert _x(r) > 100, (slug, r.code)
            if r.code.endswith(".right"):
                assert _x(r) < 100, (slug, r.code)
    for r in views["body-back"].regions:  # from behind: their left on the viewer's left
        if r.code.endswith(".left"):
            assert _x(r) < 100, r.code
    lefts = {c for c in p.area_codes() if c.endswith(".left")}
    assert {r.code for r in views["profile-left"].regions} <= lefts
    assert all("right" in v.orientation or "left" in v.orientation for v in views.values())


def test_a_bare_area_stands_for_both_sides_and_states_show() -> None:
    views = body_map.for_plan({"cheeks": Decimal("1.5"), "forehead": None}, ["nose"])
    face = next(v for v in views if v.slug == "face")
    cheeks = [r for r in face.regions if r.code == "cheeks"]
    assert len(cheeks) == 2 and {r.state for r in cheeks} == {"planned"}
    assert cheeks[0].note == "1.5 mm" and cheeks[0].tone == 3
    assert cheeks[0].description == "Cheeks, 1.5 mm, planned"
    assert next(r for r in face.regions if r.code == "nose").state == "blocked"
    assert next(r for r in face.regions if r.code == "perioral").state == "other"
    assert [v.slug for v in views] == ["face", "profile-left", "profile-right"]  # no body area planned


def test_charted_sides_are_shaded_by_depth() -> None:
    views = body_map.for_plan(
        {"cheeks.left": Decimal("1.5"), "cheeks.right": Decimal("1.0")},
        choosable=["cheeks.right"],
        charted={"cheeks.left": Decimal("2.0")},
    )
    face = {r.code: r for r in views[0].regions}
    assert (face["cheeks.left"].state, face["cheeks.left"].tone) == ("charted", 4)
    assert (face["cheeks.right"].state, face["cheeks.right"].tone) == ("choosable", 2)
