"""`needlepoint plan`: via main([...]) and via `python -m needlepoint.protocol`."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from needlepoint.protocol.cli import EXAMPLE, main

from .protocol_helpers import shipped_data, write_protocol

QUICK = ["--area", "cheeks:acne_scars:3", "--area", "forehead:fine_lines", "--fitzpatrick", "4",
         "--device", "pen:2.0", "--start", "2026-12-01", "--appointment", "2026-12-01T14:00",
         "--tz", "Europe/London", "--today", "2026-11-20"]


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_flags_print_a_readable_table() -> None:
    code, out, err = run(QUICK)
    assert code == 0, err
    assert "Depth (mm)" in out and "Series S1" in out and "Numbing" in out
    cheeks = next(line for line in out.splitlines() if line.strip().startswith("cheeks "))
    assert "1.0–1.5" in cheeks and " 1.5 " in cheeks
    assert "2026-12-01 13:15 GMT" in out  # 45 min before 14:00 London
    assert "PIH" in out or "hyperpigmentation" in out


def test_json_output_parses_back() -> None:
    code, out, _ = run([*QUICK, "--json"])
    assert code == 0
    plan = json.loads(out)
    assert plan["protocol_version"] == "2026.1"
    assert {a["area"]: a["depth"]["chosen_mm"] for a in plan["areas"]} == {
        "cheeks": 1.5, "forehead": 0.5}
    assert plan["numbing"]["apply_at"] == "2026-12-01T13:15:00Z"
    assert plan["series"][0]["sessions"][0]["earliest"] == "2026-12-01"


def test_example_profile_file() -> None:
    code, out, err = run(["--profile", str(EXAMPLE), "--json"])
    assert code == 0, err
    plan = json.loads(out)
    assert plan["client_id"] == "demo-0001"
    assert [r["area"] for r in plan["removed_areas"]] == ["nose"]
    assert plan["status"] == "action_required"  # herpes history → antiviral prophylaxis


def test_json_profile_and_flag_overrides(tmp_path: Path) -> None:
    profile = {"client": {"fitzpatrick": 2}, "areas": [{"area": "neck", "indication": "fine_lines"}],
               "device": {"kind": "pen", "max_depth_mm": 1.5}, "today": "2026-11-20"}
    path = tmp_path / "client.json"
    path.write_text(json.dumps(profile), encoding="utf-8")
    code, out, _ = run(["--profile", str(path), "--json", "--fitzpatrick", "VI"])
    assert code == 0
    plan = json.loads(out)
    assert "neck_lines_dark_skin" in {f["code"] for f in plan["findings"]}


def test_flags_for_states_meds_priors_and_override() -> None:
    code, out, err = run([*QUICK, "--json", "--state", "forehead:inflamed",
                          "--medication", "isotretinoin:2026-08-31",
                          "--prior", "2026-11-01:cheeks",
                          "--override", "cheeks:1.75:deep rolling scars"])
    assert code == 0, err
    plan = json.loads(out)
    assert [r["area"] for r in plan["removed_areas"]] == ["forehead"]
    assert plan["areas"][0]["depth"]["chosen_mm"] == 1.75
    assert plan["status"] == "deferred"
    assert plan["earliest_start"] == "2027-02-28"


def test_clinic_protocol_file(tmp_path: Path) -> None:
    data = shipped_data()
    data["version"] = "clinic-7"
    path = write_protocol(tmp_path, data)
    code, out, _ = run([*QUICK, "--json", "--protocol", str(path)])
    assert code == 0
    assert json.loads(out)["protocol_version"] == "clinic-7"


@pytest.mark.parametrize(("argv", "message"), [
    (["--area", "cheeks:fine_lines", "--area", "elbow:fine_lines"],
     "error: areas[1].area: unknown area 'elbow' (known: forehead, periorbital"),
    (["--area", "cheeks:fine_lines", "--fitzpatrick", "7"],
     "error: client.fitzpatrick: Input should be less than or equal to 6"),
    (["--area", "cheeks:fine_lines", "--device", "pen"],
     "error: device: expected KIND:MAX_MM"),
    (["--area", "cheeks:fine_lines", "--device", "laser:1.0"],
     "error: device.kind: Input should be 'pen' or 'roller'"),
    (["--area", "cheeks:acne_scars:9"], "error: areas[0].goodman_baron_grade:"),
    (["--area", "cheeks:fine_lines", "--override", "cheeks:2.2:why"],
     "error: areas[0].override_mm: 2.2 mm exceeds the hard maximum 2.0 mm for cheeks"),
    (["--area", "cheeks:fine_lines", "--tz", "Mars/Olympus"],
     "error: timezone: unknown time zone 'Mars/Olympus'"),
    (["--area", "cheeks:fine_lines", "--state", "elbow:inflamed"],
     "error: client.skin_state.elbow: unknown area 'elbow'"),
])
def test_bad_input_exits_2_naming_the_field(argv: list[str], message: str) -> None:
    base = ["--fitzpatrick", "3", "--device", "pen:2.0", "--today", "2026-11-20"]
    code, out, err = run([*base, *argv])
    assert code == 2
    assert out == ""
    assert err.startswith(message), err
    assert len(err.strip().splitlines()) == 1


def test_missing_required_field_is_named() -> None:
    code, _, err = run(["--area", "cheeks:fine_lines", "--device", "pen:2.0"])
    assert code == 2 and err.startswith("error: client.fitzpatrick: required")


def test_naive_appointment_without_zone() -> None:
    code, _, err = run(["--area", "cheeks:fine_lines", "--device", "pen:2.0", "--fitzpatrick",
                        "2", "--appointment", "2026-12-01T14:00", "--today", "2026-11-20"])
    assert code == 2 and err.startswith("error: appointment_start: needs a time zone")


def test_bad_protocol_file_exits_2_naming_file_and_key(tmp_path: Path) -> None:
    data = shipped_data()
    data["areas"]["cheeks"]["hard_max_mm"] = 3.0
    path = write_protocol(tmp_path, data)
    code, _, err = run([*QUICK, "--protocol", str(path)])
    assert code == 2
    assert "error: protocol.yaml: areas.cheeks.hard_max_mm: must be ≤ 2.5 (got 3.0)" in err


def test_unreadable_profile(tmp_path: Path) -> None:
    code, _, err = run(["--profile", str(tmp_path / "none.yaml")])
    assert code == 2 and err.startswith("error: profile: none.yaml: cannot read file")


def _module(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "needlepoint.protocol", *args],
                          capture_output=True, text=True, timeout=60, check=False)


def test_module_entry_point_table_and_json() -> None:
    table = _module("--profile", str(EXAMPLE))
    assert table.returncode == 0, table.stderr
    assert "Needlepoint plan" in table.stdout and "Why" in table.stdout
    assert "Removed from the plan" in table.stdout
    js = _module("plan", *QUICK, "--json")
    assert js.returncode == 0, js.stderr
    assert json.loads(js.stdout)["areas"][0]["area"] == "cheeks"


def test_module_entry_point_bad_input() -> None:
    res = _module("--area", "elbow:fine_lines", "--fitzpatrick", "2", "--device", "pen:2.0")
    assert res.returncode == 2
    assert res.stderr.startswith("error: areas[0].area: unknown area 'elbow'")
    assert res.stdout == ""


def test_help_exits_0() -> None:
    with pytest.raises(SystemExit):
        raise SystemExit(main(["--help"]))


def test_without_device_uses_the_protocols_default_device() -> None:
    argv = [a for a in QUICK if a not in ("--device", "pen:2.0")]
    code, out, err = run([*argv, "--json"])
    assert code == 0, err
    cheeks = next(a for a in json.loads(out)["areas"] if a["area"] == "cheeks")
    assert Decimal(str(cheeks["depth"]["device_max_mm"])) == Decimal("2.5")  # the shipped pen
    assert cheeks["depth"]["source"] == "recommended"


def test_clinic_protocol_without_default_device_falls_back_to_the_shipped_one(tmp_path: Path) -> None:
    data = shipped_data()
    data.pop("default_device")
    path = write_protocol(tmp_path, data)
    argv = [a for a in QUICK if a not in ("--device", "pen:2.0")]
    code, out, err = run([*argv, "--protocol", str(path)])
    assert code == 0, err
    data["default_device"] = {"kind": "roller", "max_depth_mm": 0.5, "citations": ["SEED"]}
    path = write_protocol(tmp_path, data, name="roller.yaml")
    code, out, err = run([*argv, "--json", "--protocol", str(path)])
    assert code == 0, err
    assert {a["depth"]["source"] for a in json.loads(out)["areas"]} == {"roller"}


def test_sides_in_flags_table_and_json() -> None:
    argv = ["--area", "cheeks:acne_scars:3", "--state", "cheeks.left:inflamed",
            "--area", "jawline.right:acne_scars:2", "--override", "jawline.right:1.25",
            "--surface", "jawline.right:40", "--fitzpatrick", "3", "--today", "2026-11-20"]
    code, out, err = run(argv)
    assert code == 0, err
    rows = [line.split()[0] for line in out.splitlines() if line.strip().startswith(("cheeks", "jawline"))]
    assert "cheeks.right" in rows and "jawline.right" in rows and "cheeks.left" in rows  # removed, with why
    code, out, _ = run([*argv, "--json"])
    plan = json.loads(out)
    sided = {(a["area"], a["side"]) for a in plan["areas"]}
    assert sided == {("cheeks.right", "right"), ("jawline.right", "right")}
    assert [(r["area"], r["side"]) for r in plan["removed_areas"]] == [("cheeks.left", "left")]
    jaw = next(a for a in plan["areas"] if a["area"] == "jawline.right")
    assert (jaw["surface_cm2"], Decimal(str(jaw["depth"]["chosen_mm"]))) == (40, Decimal("1.25"))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--area", "forehead.left:fine_lines"], "areas[0].area: 'forehead' has no sides"),
        (["--area", "cheeks.up:acne_scars:2"], "areas[0].area: unknown side 'up' of 'cheeks'"),
        (["--area", "cheeks:acne_scars:2", "--state", "nose.left:inflamed"], "'nose' has no sides"),
        (["--area", "cheeks.left:acne_scars:2", "--override", "cheeks.right:1.0"],
         "--override names 'cheeks.right', which is not requested"),
    ],
)
def test_bad_sides_exit_2_with_a_message(argv: list[str], message: str) -> None:
    code, out, err = run([*argv, "--fitzpatrick", "3", "--today", "2026-11-20"])
    assert code == 2 and out == ""
    assert message in err
