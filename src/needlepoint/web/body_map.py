"""The face and body map: protocol areas drawn as SVG regions, each side of a paired area on
its own, so staff chart, photograph and plan by clicking the face instead of reading a list.

The drawing is hand-made for Needlepoint (simple shapes, no third-party artwork). Front views
are drawn as when facing the client: the client's left is on the viewer's right, and each view
says so. Regions are links to nothing: they are buttons (keyboard-reachable, labelled) that
`body-map.js` wires to a form's area <select>, which stays on the page as the list fallback,
so the map works without JavaScript as a picture and the select does the work.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from needlepoint.protocol import Protocol, default_protocol, sides

State = Literal["choosable", "planned", "charted", "blocked", "other"]


@dataclass(frozen=True)
class Shape:
    base: str
    side: str | None  # the client's side, or None for a midline area
    kind: Literal["ellipse", "polygon"]
    points: tuple[float, ...]  # ellipse: cx, cy, rx, ry; polygon: x1, y1, x2, y2…


def _mirror(shapes: Iterable[Shape], width: float) -> list[Shape]:
    """The other side of each shape, mirrored about the view's vertical midline."""
    out = []
    for s in shapes:
        other = "left" if s.side == "right" else "right"
        if s.kind == "ellipse":
            cx, cy, rx, ry = s.points
            pts: tuple[float, ...] = (width - cx, cy, rx, ry)
        else:
            pts = tuple(width - v if i % 2 == 0 else v for i, v in enumerate(s.points))
        out.append(Shape(s.base, other, s.kind, pts))
    return out


# Front views: the client's right side is on the viewer's left (x < midline).
_FACE_RIGHT = [
    Shape("periorbital", "right", "ellipse", (70, 96, 19, 10)),
    Shape("cheeks", "right", "ellipse", (63, 136, 21, 24)),
    Shape("jawline", "right", "polygon",
          (38, 150, 50, 180, 74, 200, 100, 208, 100, 194, 80, 186, 60, 168, 46, 150)),
    Shape("neck", "right", "polygon", (70, 212, 100, 214, 100, 246, 64, 246)),
]
FACE = [
    Shape("forehead", None, "ellipse", (100, 56, 50, 22)),
    Shape("nose", None, "polygon", (100, 90, 88, 140, 112, 140)),
    Shape("perioral", None, "ellipse", (100, 166, 22, 12)),
    *_FACE_RIGHT,
    *_mirror(_FACE_RIGHT, 200),
]
# A profile shows one side only: the client's left profile faces the viewer's left.
_PROFILE_LEFT = [
    Shape("periorbital", "left", "ellipse", (70, 98, 14, 10)),
    Shape("cheeks", "left", "ellipse", (92, 138, 26, 26)),
    Shape("jawline", "left", "polygon", (64, 180, 90, 196, 124, 190, 140, 160, 128, 158, 116, 178, 90, 182)),
    Shape("neck", "left", "polygon", (100, 206, 140, 196, 146, 246, 96, 246)),
]
PROFILE_LEFT = _PROFILE_LEFT
PROFILE_RIGHT = _mirror(_PROFILE_LEFT, 200)

_BODY_FRONT_RIGHT = [
    Shape("chest", "right", "polygon", (62, 86, 100, 86, 100, 136, 64, 136)),
    Shape("arms", "right", "polygon", (46, 88, 60, 90, 52, 190, 38, 188)),
    Shape("thighs_legs", "right", "polygon", (66, 214, 98, 214, 94, 380, 72, 380)),
]
BODY_FRONT = [
    Shape("abdomen", None, "polygon", (64, 140, 136, 140, 138, 206, 62, 206)),
    *_BODY_FRONT_RIGHT,
    *_mirror(_BODY_FRONT_RIGHT, 200),
]
# The back view is seen from behind: the client's left is on the viewer's left.
_BODY_BACK_LEFT = [
    Shape("back", "left", "polygon", (62, 86, 100, 86, 100, 200, 64, 200)),
    Shape("buttocks", "left", "ellipse", (82, 222, 18, 16)),
    Shape("hands", "left", "ellipse", (44, 204, 9, 13)),
    Shape("arms", "left", "polygon", (46, 88, 60, 90, 52, 188, 38, 186)),
    Shape("thighs_legs", "left", "polygon", (66, 242, 98, 242, 94, 380, 72, 380)),
]
BODY_BACK = [
    Shape("scalp", None, "ellipse", (100, 34, 22, 18)),
    *_BODY_BACK_LEFT,
    *_mirror(_BODY_BACK_LEFT, 200),
]


@dataclass(frozen=True)
class View:
    slug: str
    title: str
    orientation: str  # what the reader needs to know about left and right
    height: int
    shapes: list[Shape]
    outline: str  # SVG path of the silhouette (decoration)


VIEWS = [
    View("face", "Face", "Facing the client: their left is on your right.", 250, FACE,
         "M100 20 C150 20 172 70 170 120 C168 170 140 206 100 210 C60 206 32 170 30 120 "
         "C28 70 50 20 100 20 Z"),
    View("profile-left", "Left profile", "The client's left side.", 250, PROFILE_LEFT,
         "M120 22 C80 22 52 50 50 86 L40 112 L52 118 L48 140 L56 150 L54 166 C60 186 84 198 "
         "110 200 C146 196 162 160 160 110 C158 60 150 22 120 22 Z"),
    View("profile-right", "Right profile", "The client's right side.", 250, PROFILE_RIGHT,
         "M80 22 C120 22 148 50 150 86 L160 112 L148 118 L152 140 L144 150 L146 166 C140 186 116 198 "
         "90 200 C54 196 38 160 40 110 C42 60 50 22 80 22 Z"),
    View("body-front", "Body, front", "Facing the client: their left is on your right.", 390, BODY_FRONT,
         "M100 14 C116 14 124 28 122 46 C120 62 112 72 100 74 C88 72 80 62 78 46 C76 28 84 14 100 14 Z "
         "M58 82 L142 82 L162 192 L148 196 L140 140 L140 210 L104 214 L100 384 L66 384 L60 210 "
         "L60 140 L52 196 L38 192 Z"),
    View("body-back", "Body, back", "Seen from behind: their left is on your left.", 390, BODY_BACK,
         "M100 14 C116 14 124 28 122 46 C120 62 112 72 100 74 C88 72 80 62 78 46 C76 28 84 14 100 14 Z "
         "M58 82 L142 82 L162 192 L148 196 L140 140 L140 240 L104 244 L100 384 L66 384 L60 240 "
         "L60 140 L52 196 L38 192 Z"),
]


@dataclass(frozen=True)
class Region:
    code: str  # what a click chooses: cheeks.left, or cheeks when the sides are not apart
    label: str
    state: State
    note: str  # e.g. "1.25 mm", shown in the tooltip and the accessible name
    kind: str
    attrs: Mapping[str, str]
    x: str  # where the note is written
    y: str
    tone: int  # 0, or 1–5 from the depth: deeper is darker

    @property
    def description(self) -> str:
        state = {"choosable": "", "other": "", "planned": "planned", "charted": "charted",
                 "blocked": "not to be treated"}[self.state]
        return ", ".join(x for x in (self.label, self.note, state) if x)


@dataclass(frozen=True)
class MapView:
    slug: str
    title: str
    orientation: str
    height: int
    outline: str
    regions: list[Region]


def _code_for(shape: Shape, known: set[str]) -> str:
    """The code a shape stands for here: its side when the page deals in sides, else the
    bare area (a bare area is both sides)."""
    sided = sides.join(shape.base, shape.side)
    if shape.side and sided in known:
        return sided
    return shape.base if shape.base in known else sided


def build(
    *,
    states: Mapping[str, State],
    depths: Mapping[str, Decimal] | None = None,
    protocol: Protocol | None = None,
    views: Iterable[str] | None = None,
) -> list[MapView]:
    """The views that show at least one of ``states``' areas (others drawn faint, inert).

    ``states`` maps area codes (``cheeks``, ``cheeks.left``) to what the page says of them:
    ``choosable`` (a click picks it), ``planned``, ``charted``, ``blocked``; ``depths`` gives a
    depth to write on (and shade) an area."""
    p = protocol or default_protocol()
    depths = depths or {}
    known = set(states)
    bases = {sides.base_of(c) for c in known}
    wanted = set(views) if views is not None else None
    out = []
    for view in VIEWS:
        if not any(s.base in bases for s in view.shapes) or (wanted is not None and view.slug not in wanted):
            continue
        regions = []
        for s in view.shapes:
            if s.base not in p.data.areas:
                continue  # a clinic protocol without this area
            code = _code_for(s, known)
            state: State = states.get(code, "other")
            if state == "other" and s.base in bases and code != s.base:
                state = states.get(s.base, "other")
            depth = depths.get(code)
            x, y = _centre(s)
            regions.append(Region(code, p.area_name(code), state, depth_note(depth), s.kind, _attrs(s),
                                  _n(x), _n(y), _tone(depth)))
        out.append(MapView(view.slug, view.title, view.orientation, view.height, view.outline, regions))
    return out


def for_plan(
    planned: Mapping[str, Decimal | None],
    removed: Iterable[str] = (),
    *,
    choosable: Iterable[str] = (),
    charted: Mapping[str, Decimal] | None = None,
) -> list[MapView]:
    """A plan on the map: planned areas with their depth, removed ones marked, ``choosable``
    ones a click away, ``charted`` ones shaded by the depth used."""
    states: dict[str, State] = dict.fromkeys(planned, "planned")
    depths = {code: mm for code, mm in planned.items() if mm is not None}
    states.update(dict.fromkeys(removed, "blocked"))
    states.update(dict.fromkeys(choosable, "choosable"))
    for code, mm in (charted or {}).items():
        states[code], depths[code] = "charted", mm
    return build(states=states, depths=depths)


def for_intake(protocol: Protocol) -> list[MapView]:
    """Every area and side, to pick what to treat (the profiles add nothing to choose)."""
    return build(states=dict.fromkeys(protocol.area_codes(), "choosable"), protocol=protocol,
                 views=("face", "body-front", "body-back"))


def _attrs(s: Shape) -> dict[str, str]:
    if s.kind == "ellipse":
        cx, cy, rx, ry = s.points
        return {"cx": _n(cx), "cy": _n(cy), "rx": _n(rx), "ry": _n(ry)}
    pairs = zip(s.points[0::2], s.points[1::2], strict=True)
    return {"points": " ".join(f"{_n(x)},{_n(y)}" for x, y in pairs)}


def _centre(s: Shape) -> tuple[float, float]:
    if s.kind == "ellipse":
        return s.points[0], s.points[1] + 3
    xs, ys = s.points[0::2], s.points[1::2]
    return sum(xs) / len(xs), sum(ys) / len(ys) + 3


def _tone(mm: Decimal | None) -> int:
    """0.5 mm → 1 … 2.5 mm → 5: the shade of a charted or planned area."""
    if mm is None:
        return 0
    return max(1, min(5, int((mm - Decimal("0.25")) / Decimal("0.5")) + 1))


def _n(v: float) -> str:
    return f"{v:g}"


def depth_note(mm: Decimal | None) -> str:
    return f"{mm.normalize():f} mm" if mm is not None else ""
