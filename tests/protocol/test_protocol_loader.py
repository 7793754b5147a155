"""Loader: clinic copies load; bad files fail with file, key path and problem."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from needlepoint.protocol import Medication, ProtocolDataError, load_protocol
from needlepoint.protocol.scales import load_scales

from .protocol_helpers import (
    area,
    clinic_protocol,
    plan_for,
    profile,
    shipped_data,
    write_protocol,
)


def _error(tmp_path: Path, data: str | dict[str, Any], name: str = "protocol.yaml"
           ) -> ProtocolDataError:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        write_protocol(tmp_path, data, name)
    with pytest.raises(ProtocolDataError) as exc:
        load_protocol(path)
    return exc.value


def test_unchanged_copy_loads(tmp_path: Path) -> None:
    p = clinic_protocol(tmp_path, shipped_data())
    assert p.id == "needlepoint-default"
    assert p.path == tmp_path / "protocol.yaml"


def test_hard_max_beyond_limit_names_file_key_and_value(tmp_path: Path) -> None:
    data = shipped_data()
    data["areas"]["cheeks"]["hard_max_mm"] = 3.0
    err = _error(tmp_path, data)
    assert "protocol.yaml: areas.cheeks.hard_max_mm: must be ≤ 2.5 (got 3.0)" in str(err).splitlines()
    assert err.file == "protocol.yaml"


def test_depth_below_floor_is_refused(tmp_path: Path) -> None:
    data = shipped_data()
    data["areas"]["forehead"]["depth"]["texture"]["min_mm"] = 0.25
    err = _error(tmp_path, data)
    assert "areas.forehead.depth.texture.min_mm: must be ≥ 0.5 (got 0.25)" in str(err)


def test_range_above_area_hard_max_is_refused(tmp_path: Path) -> None:
    data = shipped_data()
    data["areas"]["nose"]["depth"]["scars"]["max_mm"] = 1.5
    err = _error(tmp_path, data)
    assert "areas.nose.depth.scars.max_mm: must be ≤ hard_max_mm 1.0 (got 1.5)" in str(err)


def test_interval_below_floor_is_refused(tmp_path: Path) -> None:
    data = shipped_data()
    data["indications"]["fine_lines"]["course"]["interval_min_days"] = 10
    err = _error(tmp_path, data)
    assert "indications.fine_lines.course.interval_min_days: must be ≥ 14 days" in str(err)


def test_scalp_only_indication_may_use_the_7_day_floor(tmp_path: Path) -> None:
    data = shipped_data()
    data["indications"]["androgenetic_alopecia"]["course"]["interval_min_days"] = 7
    data["indications"]["androgenetic_alopecia"]["course"]["interval_max_days"] = 14
    p = clinic_protocol(tmp_path, data)
    plan = plan_for([area("scalp", "androgenetic_alopecia")], protocol=p)
    assert plan.series[0].interval_min_days == 7
    data["indications"]["androgenetic_alopecia"]["course"]["interval_min_days"] = 6
    assert "interval_min_days: must be ≥ 7 days" in str(_error(tmp_path, data))


def test_region_floor_cannot_be_lowered(tmp_path: Path) -> None:
    data = shipped_data()
    data["regions"]["face"]["interval_floor_days"] = 7
    assert "regions.face.interval_floor_days: must be ≥ 14 (got 7)" in str(_error(tmp_path, data))


def test_numbing_label_maxima_are_enforced(tmp_path: Path) -> None:
    data = shipped_data()
    data["numbing"]["agents"]["lidocaine_5"]["max_area_cm2"] = 900
    data["numbing"]["agents"]["emla"]["max_grams"] = 80
    err = str(_error(tmp_path, data))
    assert "numbing.agents.lidocaine_5.max_area_cm2: must be ≤ 600" in err
    assert "numbing.agents.emla.max_grams: must be ≤ 60" in err


def test_unknown_citation_is_refused(tmp_path: Path) -> None:
    data = shipped_data()
    data["rules"]["sunburn"]["citations"] = ["ALSTER2018", "NOPE2020"]
    err = _error(tmp_path, data)
    assert ("rules.sunburn.citations[1]: unknown source 'NOPE2020' (not in bibliography.yaml)"
            in str(err))


def test_rule_without_citation_is_refused(tmp_path: Path) -> None:
    data = shipped_data()
    data["rules"]["sunburn"]["citations"] = []
    assert "rules.sunburn.citations: List should have at least 1 item" in str(
        _error(tmp_path, data))


def test_skin_type_cannot_block(tmp_path: Path) -> None:
    data = shipped_data()
    data["rules"]["pih_risk"]["action"] = "BLOCK"
    err = str(_error(tmp_path, data))
    assert "rules.pih_risk.action: a skin-type rule may only WARN (got BLOCK)" in err


def test_inflamed_rule_cannot_be_removed_or_softened(tmp_path: Path) -> None:
    data = shipped_data()
    data["rules"]["inflamed_area"]["action"] = "WARN"
    err = str(_error(tmp_path, data))
    assert "needs an unconditional area BLOCK rule for skin state 'inflamed'" in err
    data = shipped_data()
    del data["rules"]["infected_area"]
    assert "skin state 'infected'" in str(_error(tmp_path, data))


def test_unknown_key_and_missing_key(tmp_path: Path) -> None:
    data = shipped_data()
    data["areas"]["cheeks"]["hard_max"] = 2.0
    del data["areas"]["cheeks"]["surface_cm2"]
    err = str(_error(tmp_path, data))
    assert "protocol.yaml: areas.cheeks.hard_max: unknown key" in err
    assert "protocol.yaml: areas.cheeks.surface_cm2: required" in err


def test_version_must_be_a_string(tmp_path: Path) -> None:
    text = (Path(__file__).resolve().parents[2] / "src/needlepoint/protocol/data/protocol.yaml"
            ).read_text(encoding="utf-8").replace('version: "2026.1"', "version: 2026.1", 1)
    err = _error(tmp_path, text)
    assert err.key == "version"
    assert "got 2026.1" in err.problem


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    err = _error(tmp_path, "id: x\nareas: [unclosed\n")
    assert err.file == "protocol.yaml"
    assert err.key.startswith("line ")
    assert "invalid YAML" in err.problem


def test_duplicate_yaml_key_is_refused(tmp_path: Path) -> None:
    err = _error(tmp_path, "id: a\nid: b\n")
    assert "duplicate key 'id'" in str(err)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ProtocolDataError) as exc:
        load_protocol(tmp_path / "nope.yaml")
    assert str(exc.value).startswith("nope.yaml: cannot read file")


def test_not_a_mapping(tmp_path: Path) -> None:
    assert "must be a mapping at the top" in str(_error(tmp_path, "- a\n- b\n"))


def test_default_agent_must_exist(tmp_path: Path) -> None:
    data = shipped_data()
    data["numbing"]["default_agent"] = "ice"
    assert "numbing.default_agent: unknown agent 'ice'" in str(_error(tmp_path, data))


def test_unknown_placeholder_in_built_in_wording(tmp_path: Path) -> None:
    data = shipped_data()
    data["built_in_checks"]["numbing_compounded"]["reason"] = "{agent} is compounded"
    assert "built_in_checks.numbing_compounded.reason: unknown placeholder(s) agent" in str(
        _error(tmp_path, data))


def test_clinic_may_change_defaults_within_limits(tmp_path: Path) -> None:
    """A clinic shortens the isotretinoin wait (ASDS 2017) and the plan follows its file."""
    data = shipped_data()
    data["rules"]["isotretinoin_recent"]["defer"] = {"months": 3}
    data["version"] = "2026.1-clinic"
    p = clinic_protocol(tmp_path, data)
    client = profile(medications=[Medication(code="isotretinoin", stopped_on=date(2026, 7, 1))])
    shipped = plan_for([area("cheeks", "fine_lines")], client)
    clinic = plan_for([area("cheeks", "fine_lines")], client, protocol=p)
    assert [f.until for f in shipped.findings if f.code == "isotretinoin_recent"] == [
        date(2027, 1, 1)]
    assert not [f for f in clinic.findings if f.code == "isotretinoin_recent"]
    assert clinic.protocol_version == "2026.1-clinic"


def test_explicit_bibliography_path(tmp_path: Path) -> None:
    bib = tmp_path / "refs.yaml"
    bib.write_text('version: "1"\nsources:\n  SEED: {citation: "Seed article text", kind: seed,'
                   ' evidence: SEED}\n', encoding="utf-8")
    path = write_protocol(tmp_path, shipped_data())
    with pytest.raises(ProtocolDataError) as exc:
        load_protocol(path, bibliography=bib)
    assert "(not in refs.yaml)" in str(exc.value)


def test_bad_scales_file(tmp_path: Path) -> None:
    path = tmp_path / "scales.yaml"
    path.write_text('version: "1"\nscales:\n  x: {name: X, kind: ordinal, citations: [NOPE]}\n',
                    encoding="utf-8")
    with pytest.raises(ProtocolDataError) as exc:
        load_scales(path)
    assert "scales.yaml: scales.x.citations[0]: unknown source 'NOPE'" in str(exc.value)


def test_named_bibliography_must_exist(tmp_path: Path) -> None:
    data = shipped_data()
    data["bibliography"] = "clinic-refs.yaml"
    err = _error(tmp_path, data)
    assert str(err) == "protocol.yaml: bibliography: file 'clinic-refs.yaml' not found beside it"
