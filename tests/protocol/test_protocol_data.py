"""The shipped protocol data: loads, cites real sources, matches CLINICAL.md."""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path

import pytest

from needlepoint.protocol import default_protocol, load_bibliography
from needlepoint.protocol.loader import BUILT_IN_CHECKS, DEFAULT_BIBLIOGRAPHY_PATH, read_yaml
from needlepoint.protocol.scales import DEFAULT_SCALES_PATH

REPO = Path(__file__).resolve().parents[2]


def _clinical_md() -> Path | None:
    for candidate in (
        os.environ.get("NEEDLEPOINT_CLINICAL_MD"),
        REPO.parent / "shared" / "CLINICAL.md",
        REPO / "docs" / "CLINICAL.md",
    ):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


CLINICAL = _clinical_md()
needs_clinical = pytest.mark.skipif(CLINICAL is None, reason="CLINICAL.md not found")

# The seed depth table (CLINICAL.md "Needle depth"): area → (texture, scars, striae,
# override above, hard max); None is "—".
R = tuple[str, str] | None
SEED_TABLE: dict[str, tuple[R, R, R, str, str]] = {
    "forehead": (("0.5", "0.5"), ("0.5", "1.0"), None, "0.75", "1.0"),
    "periorbital": (("0.5", "0.5"), None, None, "0.5", "0.5"),
    "nose": (("0.5", "0.5"), ("0.5", "1.0"), None, "0.75", "1.0"),
    "cheeks": (("0.5", "1.0"), ("1.0", "1.5"), None, "1.5", "2.0"),
    "perioral": (("0.5", "0.5"), ("0.5", "1.0"), None, "0.75", "1.0"),
    "jawline": (("0.5", "1.0"), ("1.0", "1.5"), None, "1.5", "2.0"),
    "neck": (("0.5", "0.5"), None, ("0.5", "1.0"), "1.0", "1.0"),
    "chest": (("0.5", "0.5"), ("0.5", "1.0"), ("1.0", "1.5"), "1.0", "1.5"),
    "hands": (("0.5", "0.5"), None, None, "0.5", "0.5"),
    "arms": (("0.5", "1.0"), None, ("1.5", "2.0"), "2.0", "2.0"),
    "abdomen": (("0.5", "1.0"), None, ("1.5", "2.0"), "2.0", "2.5"),
    "back": (("0.5", "1.0"), ("1.0", "1.5"), ("1.5", "2.0"), "2.0", "2.5"),
    "thighs_legs": (("0.5", "1.0"), None, ("1.5", "2.0"), "2.0", "2.5"),
    "buttocks": (("0.5", "1.0"), None, ("1.5", "2.0"), "2.0", "2.5"),
    "scalp": (("0.5", "1.5"), None, None, "1.5", "1.5"),
}
REQUIRED_AREAS = set(SEED_TABLE)


def _rng(r: R) -> tuple[Decimal, Decimal] | None:
    return None if r is None else (Decimal(r[0]), Decimal(r[1]))


def test_shipped_protocol_loads_with_id_and_version() -> None:
    p = default_protocol()
    assert p.id == "needlepoint-default"
    assert re.fullmatch(r"\d{4}\.\d+", p.version)


def test_areas_cover_the_issue_list() -> None:
    assert set(default_protocol().data.areas) >= REQUIRED_AREAS


def test_depth_table_is_exactly_the_seed_table() -> None:
    areas = default_protocol().data.areas
    for code, (texture, scars, striae, override, hard) in SEED_TABLE.items():
        a = areas[code]
        got = {g: (r.min_mm, r.max_mm) for g, r in a.depth.items()}
        want = {g: _rng(r) for g, r in (("texture", texture), ("scars", scars),
                                        ("striae", striae)) if r is not None}
        assert got == want, code
        assert a.override_above_mm == Decimal(override), code
        assert a.hard_max_mm == Decimal(hard), code
    assert areas["cheeks"].depth["scars"].by_grade == {3: Decimal("1.5"), 4: Decimal("1.5")}


def test_indications_cover_the_issue_list() -> None:
    want = {"acne_scars", "fine_lines", "texture_pores", "clogged_pores", "thin_skin",
            "stretch_marks_rubra", "stretch_marks_alba", "surgical_scars", "hyperpigmentation"}
    assert want <= set(default_protocol().data.indications)


def test_every_rule_cites_a_source_in_the_bibliography() -> None:
    p = default_protocol()
    bib = load_bibliography()
    assert p.data.rules, "the shipped protocol has rules"
    for code, rule in p.data.rules.items():
        assert rule.citations, code
        assert set(rule.citations) <= set(bib), code
    for code, check in p.data.built_in_checks.items():
        assert check.citations and set(check.citations) <= set(bib), code
    for section in (p.data.aftercare, p.data.risks, p.data.education, p.data.areas,
                    p.data.indications, p.data.numbing.agents):
        for code, item in section.items():
            assert item.citations and set(item.citations) <= set(bib), code
    assert p.cited_ids() <= set(bib)


def test_every_built_in_check_is_defined() -> None:
    assert set(default_protocol().data.built_in_checks) == set(BUILT_IN_CHECKS)


def test_scales_cite_bibliography_or_name_a_reference() -> None:
    bib = load_bibliography()
    raw = read_yaml(DEFAULT_SCALES_PATH)
    for code, scale in raw["scales"].items():
        assert set(scale.get("citations", [])) <= set(bib), code
        assert scale.get("citations") or scale.get("reference"), code


def _clinical_source_ids(text: str) -> set[str]:
    section = text.split("## Sources", 1)[1]
    return set(re.findall(r"^- ([A-Za-z0-9-]+) — ", section, flags=re.MULTILINE))


@needs_clinical
def test_bibliography_ids_are_exactly_clinical_md_sources() -> None:
    assert CLINICAL is not None
    ids = _clinical_source_ids(CLINICAL.read_text(encoding="utf-8"))
    assert len(ids) >= 15, "parsed the Sources list"
    bib = load_bibliography()
    assert set(bib) <= ids, f"not in CLINICAL.md Sources: {set(bib) - ids}"
    assert ids <= set(bib), f"missing from bibliography.yaml: {ids - set(bib)}"


@needs_clinical
def test_clinical_md_depth_table_matches_shipped_defaults() -> None:
    """Parse CLINICAL.md's table and compare (guards against the doc and data drifting)."""
    assert CLINICAL is not None
    names = {"forehead": ["forehead"], "periorbital": ["periorbital"], "nose": ["nose"],
             "cheeks": ["cheeks"], "perioral": ["perioral"], "chin": ["jawline"],
             "neck": ["neck"], "chest": ["chest"], "hands": ["hands"], "arms": ["arms"],
             "abdomen": ["abdomen", "back", "thighs_legs", "buttocks"], "scalp": ["scalp"]}
    rows = [line for line in CLINICAL.read_text(encoding="utf-8").splitlines()
            if line.startswith("| ") and not line.startswith("| area") and "---" not in line]
    areas = default_protocol().data.areas
    seen = 0
    for line in rows:
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) != 6:
            continue
        key = next((k for k in names if cells[0].startswith(k)), None)
        if key is None:
            continue
        seen += 1
        for code in names[key]:
            a = areas[code]
            assert a.override_above_mm == Decimal(cells[4]), code
            assert a.hard_max_mm == Decimal(cells[5]), code
            for col, group in ((1, "texture"), (2, "scars"), (3, "striae")):
                m = re.match(r"([\d.]+)(?:–([\d.]+))?", cells[col])
                if m is None:
                    continue
                lo, hi = Decimal(m.group(1)), Decimal(m.group(2) or m.group(1))
                if group == "scars" and "(back)" in cells[col] and code != "back":
                    continue
                assert group in a.depth, (code, group)
                assert (a.depth[group].min_mm, a.depth[group].max_mm) == (lo, hi), (code, group)
    assert seen == 12


def test_bibliography_file_has_full_citations() -> None:
    bib = load_bibliography(DEFAULT_BIBLIOGRAPHY_PATH)
    for code, entry in bib.items():
        assert len(entry.citation) > 20, code
    assert bib["DRPEN-M"].evidence == "M"
    assert bib["SEED"].kind == "seed"


def test_patient_wording_lives_in_data() -> None:
    p = default_protocol()
    for key in ("what_it_is", "who_it_suits", "does_it_hurt", "how_often", "aftercare", "risks"):
        assert p.data.education[key].body.strip(), key
    for code, a in p.data.areas.items():
        assert a.name and a.name[0].isupper(), code
