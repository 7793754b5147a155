"""Classification and outcome scales (definitions in ``data/scales.yaml``).

Fitzpatrick and Goodman–Baron qualitative are ordinal look-ups; Goodman–Baron quantitative is
points × count band per scar type plus an area score for keloidal scars (0–84); GAIS (1–5)
scores texture, lines and stretch marks; the POSAS observer scale sums six 1–10 items (6–60).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .errors import DataIssue, ProtocolDataError
from .loader import DATA_DIR, load_bibliography, read_yaml, validate_file

DEFAULT_SCALES_PATH = DATA_DIR / "scales.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Level(_Strict):
    label: str
    description: str | None = None


class CountBand(_Strict):
    max_count: int | None
    multiplier: int = Field(ge=1)


class AreaBand(_Strict):
    max_cm2: float | None
    score: int = Field(ge=0)


class CountItem(_Strict):
    group: str
    points: int = Field(ge=1)
    label: str


class AreaItem(_Strict):
    code: str
    label: str
    bands: list[AreaBand] = Field(min_length=1)


class Scale(_Strict):
    name: str
    kind: Literal["ordinal", "banded_count", "item_sum"]
    citations: list[str] = Field(default_factory=list)
    reference: str | None = None
    to_verify: bool = False
    use_for: list[str] = Field(default_factory=list)
    note: str | None = None
    levels: dict[int, Level] = Field(default_factory=dict)
    count_bands: list[CountBand] = Field(default_factory=list)
    items: dict[str, CountItem] = Field(default_factory=dict)
    observer_items: dict[str, str] = Field(default_factory=dict)
    area_item: AreaItem | None = None
    max_total: int | None = None
    item_min: int | None = None
    item_max: int | None = None


class ScaleSet(_Strict):
    version: str
    scales: dict[str, Scale]

    def level(self, scale: str, value: int) -> Level:
        s = self.scales[scale]
        if value not in s.levels:
            raise ValueError(f"{scale}: {value} is not a level (levels: "
                             f"{', '.join(str(k) for k in s.levels)})")
        return s.levels[value]


def load_scales(path: str | Path | None = None) -> ScaleSet:
    p = Path(path) if path is not None else DEFAULT_SCALES_PATH
    scales: ScaleSet = validate_file(ScaleSet, read_yaml(p), p.name)
    bib = load_bibliography()
    issues = []
    for code, s in scales.scales.items():
        for i, c in enumerate(s.citations):
            if c not in bib:
                issues.append(DataIssue(p.name, f"scales.{code}.citations[{i}]",
                                        f"unknown source {c!r} (not in bibliography.yaml)"))
        if not s.citations and not s.reference:
            issues.append(DataIssue(p.name, f"scales.{code}", "needs citations or a reference"))
    if issues:
        raise ProtocolDataError(issues)
    return scales


@lru_cache(maxsize=1)
def default_scales() -> ScaleSet:
    return load_scales()


def _band_multiplier(s: Scale, count: int) -> int:
    for band in s.count_bands:
        if band.max_count is None or count <= band.max_count:
            return band.multiplier
    raise ValueError("count bands do not cover every count")


def goodman_baron_quantitative(
    counts: Mapping[str, int],
    keloidal_area_cm2: float | None = None,
    scales: ScaleSet | None = None,
) -> int:
    """Score = Σ points × count band over scar types, + the keloidal area score (0–84).

    ``counts`` maps item codes (e.g. ``rolling``-type ``shallow_broad_atrophic``) to lesion
    counts; types with no lesions score 0.
    """
    s = (scales or default_scales()).scales["goodman_baron_quantitative"]
    items = s.items
    total = 0
    for code, count in counts.items():
        item = items.get(code)
        if item is None:
            raise ValueError(f"unknown scar type {code!r} (known: {', '.join(items)})")
        if count < 0:
            raise ValueError(f"{code}: count must be ≥ 0 (got {count})")
        if count:
            total += item.points * _band_multiplier(s, count)
    if keloidal_area_cm2:
        if keloidal_area_cm2 < 0:
            raise ValueError("keloidal area must be ≥ 0")
        assert s.area_item is not None
        for band in s.area_item.bands:
            if band.max_cm2 is None or keloidal_area_cm2 < band.max_cm2:
                total += band.score
                break
    return total


def gais(score: int, scales: ScaleSet | None = None) -> Level:
    return (scales or default_scales()).level("gais", score)


def goodman_baron_grade(grade: int, scales: ScaleSet | None = None) -> Level:
    return (scales or default_scales()).level("goodman_baron_qualitative", grade)


def fitzpatrick(skin_type: int, scales: ScaleSet | None = None) -> Level:
    return (scales or default_scales()).level("fitzpatrick", skin_type)


def posas_observer(items: Mapping[str, int], scales: ScaleSet | None = None) -> int:
    """Sum of the six observer items, each 1–10 (total 6–60); all items are required."""
    s = (scales or default_scales()).scales["posas_observer"]
    lo, hi = s.item_min or 1, s.item_max or 10
    names = s.observer_items
    missing = [k for k in names if k not in items]
    unknown = [k for k in items if k not in names]
    if missing or unknown:
        raise ValueError(f"POSAS observer needs exactly {', '.join(names)}"
                         f" (missing: {missing}, unknown: {unknown})")
    for k, v in items.items():
        if not lo <= v <= hi:
            raise ValueError(f"{k}: must be {lo}–{hi} (got {v})")
    return sum(items.values())
