"""Which scales a session can be scored on, their valid values and which way is better.

The definitions live in ``protocol/data/scales.yaml`` (the engine's scale set); this module only
adds the direction of improvement each one has, which is what analytics average.
"""

from __future__ import annotations

from typing import Any

from needlepoint.protocol.scales import default_scales, goodman_baron_quantitative, posas_observer

SATISFACTION = "client_satisfaction"
# Scales recorded per session and area (Fitzpatrick is a client attribute, not an outcome).
SCORED = (
    "goodman_baron_qualitative",
    "goodman_baron_quantitative",
    "gais",
    "posas_observer",
    SATISFACTION,
)
# Lower is better: improvement = baseline − value.
_LOWER_IS_BETTER = frozenset({"goodman_baron_qualitative", "goodman_baron_quantitative", "posas_observer"})
# GAIS already judges change against baseline: 4 = no change, 1 = very much improved, 5 = worse.
_GAIS_NO_CHANGE = 4


# Chart titles: short enough for a small chart, with the direction that is better.
SHORT_NAMES = {
    "goodman_baron_qualitative": "Goodman–Baron grade 1–4 (lower is better)",
    "goodman_baron_quantitative": "Goodman–Baron score 0–84 (lower is better)",
    "gais": "GAIS 1–5 (1 = very much improved)",
    "posas_observer": "POSAS observer 6–60 (lower is better)",
    SATISFACTION: "Client satisfaction 1–5 (higher is better)",
}


def short_name(code: str) -> str:
    return SHORT_NAMES.get(code, scale_name(code))


def known_scales() -> tuple[str, ...]:
    return SCORED


def scale_name(code: str) -> str:
    s = default_scales().scales.get(code)
    return s.name if s else code


def scale_range(code: str) -> tuple[int, int]:
    """Lowest and highest value a scale takes (for chart axes)."""
    s = default_scales().scales[code]
    if s.levels:
        return min(s.levels), max(s.levels)
    if code == "posas_observer":
        return 6, 60
    return 0, s.max_total or 84


def improvement_range(code: str) -> tuple[int, int]:
    """Lowest and highest improvement a chain of ``code`` can show (the bounds of its mean)."""
    if code == "gais":
        lo, hi = scale_range(code)
        return _GAIS_NO_CHANGE - hi, _GAIS_NO_CHANGE - lo
    lo, hi = scale_range(code)
    return lo - hi, hi - lo


def check_value(scale: str, value: int | None, detail: dict[str, Any]) -> int:
    """The value to store: validated against the scale, or computed from ``detail``."""
    s = default_scales().scales[scale]
    if scale == "goodman_baron_quantitative" and detail.get("counts") is not None:
        counts = {k: int(v) for k, v in dict(detail["counts"]).items()}
        area = detail.get("keloidal_area_cm2")
        return goodman_baron_quantitative(counts, float(area) if area else None)
    if scale == "posas_observer" and detail.get("items") is not None:
        return posas_observer({k: int(v) for k, v in dict(detail["items"]).items()})
    if value is None:
        raise ValueError(f"{s.name}: enter a value.")
    lo, hi = scale_range(scale)
    if s.levels and value not in s.levels:
        raise ValueError(f"{s.name}: {value} is not a level ({lo}–{hi}).")
    if not lo <= value <= hi:
        raise ValueError(f"{s.name}: must be {lo}–{hi} (got {value}).")
    return value


def improvement_of(scale: str, baseline: int, value: int) -> int | None:
    """Positive = better. None where a scale has no direction of change (satisfaction)."""
    if scale in _LOWER_IS_BETTER:
        return baseline - value
    if scale == "gais":
        return _GAIS_NO_CHANGE - value
    return None
