"""The FHIR export: every bundle is parsed back and validated by fhir.resources (R4B models:
the package ships R4B and R5, not R4 4.0.1; the resources used here are unchanged R4 → R4B)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from django.test import Client as HttpClient
from fhir.resources.R4B.bundle import Bundle

from needlepoint.clinic.audit.models import AccessLog
from needlepoint.interop.fhir import build_bundle, codes
from tests.conftest import ClinicWorld
from tests.interop.fhir_world import full_record


def _by_type(bundle: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for e in bundle["entry"]:
        out.setdefault(e["resource"]["resourceType"], []).append(e["resource"])
    return out


def test_full_record_is_a_valid_r4_bundle(clinic_a: ClinicWorld) -> None:
    rec = full_record(clinic_a)
    bundle = build_bundle(rec.world.client)  # type: ignore[arg-type]
    parsed = Bundle.model_validate_json(json.dumps(bundle))  # what a receiver would do
    assert parsed.type == "collection"
    kinds = Counter(e.resource.get_resource_type() for e in parsed.entry)  # type: ignore[union-attr]
    assert kinds["Patient"] == 1 and kinds["Appointment"] == 2 and kinds["Procedure"] == 2
    assert kinds["Observation"] == 2 and kinds["AdverseEvent"] == 1 and kinds["Consent"] == 1
    assert kinds["CarePlan"] == 1 and kinds["Practitioner"] >= 1 and kinds["Organization"] == 1
    # Every reference resolves inside the bundle.
    urls = {e["fullUrl"] for e in bundle["entry"]}
    refs = [m for m in _refs(bundle["entry"]) if m.startswith("urn:uuid:")]
    assert refs and set(refs) <= urls
    res = _by_type(bundle)
    statuses = sorted(a["status"] for a in res["Appointment"])
    assert statuses == ["booked", "cancelled"]
    cheeks = next(p for p in res["Procedure"] if p["bodySite"][0]["text"] == "Cheeks")
    assert cheeks["bodySite"][0]["coding"][0] == {
        "system": codes.SNOMED,
        "code": "60819002",
        "display": "Cheek structure",
    }
    depth = next(x for x in cheeks["extension"] if x["url"] == codes.EXT_NEEDLE_DEPTH)
    assert depth["valueQuantity"] == {"value": 1.5, "unit": "mm", "system": codes.UCUM, "code": "mm"}
    device = next(r for r in res["Device"] if r.get("lotNumber") == "C-100")
    assert cheeks["usedReference"][0]["reference"] in {
        e["fullUrl"] for e in bundle["entry"] if e["resource"] is device
    }
    assert res["Consent"][0]["category"][0]["coding"][0]["code"] == "59284-0"
    plan = res["CarePlan"][0]
    assert plan["status"] == "active" and plan["activity"][0]["detail"]["scheduledTiming"]["repeat"]["count"]
    assert res["AdverseEvent"][0]["severity"]["coding"][0]["code"] == "moderate"
    assert {o["valueInteger"] for o in res["Observation"]} == {3, 1}
    # Stable identifiers: a second export references the same resources.
    assert {e["fullUrl"] for e in build_bundle(rec.world.client)["entry"]} == urls  # type: ignore[arg-type]


def test_a_bare_client_exports_a_valid_bundle(clinic_b: ClinicWorld) -> None:
    bundle = build_bundle(clinic_b.client)  # type: ignore[arg-type]
    Bundle.model_validate(bundle)
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["Organization", "Patient"]


@pytest.mark.parametrize(
    "resource",
    [
        {"resourceType": "Procedure", "status": "completed"},  # no subject
        {
            "resourceType": "Procedure",
            "status": "completed",
            "subject": {"reference": "urn:uuid:1"},
            "supportingInfo": [{"reference": "urn:uuid:2"}],
        },  # an R5-only element
        {"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "valueInteger": "three"},
    ],
)
def test_invalid_resources_would_be_caught(resource: dict[str, Any]) -> None:
    """The validator is not a rubber stamp (it checks structure and cardinality; required
    code bindings are checked by test_status_codes_are_from_the_r4_value_sets)."""
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        Bundle.model_validate(
            {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [{"fullUrl": "urn:uuid:0", "resource": resource}],
            }
        )


# Required bindings fhir.resources does not enforce (FHIR R4 value sets).
R4_CODES = {
    ("Appointment", "status"): {
        "proposed",
        "pending",
        "booked",
        "arrived",
        "fulfilled",
        "cancelled",
        "noshow",
        "entered-in-error",
        "checked-in",
        "waitlist",
    },
    ("Procedure", "status"): {
        "preparation",
        "in-progress",
        "not-done",
        "on-hold",
        "stopped",
        "completed",
        "entered-in-error",
        "unknown",
    },
    ("Encounter", "status"): {
        "planned",
        "arrived",
        "triaged",
        "in-progress",
        "onleave",
        "finished",
        "cancelled",
        "entered-in-error",
        "unknown",
    },
    ("Observation", "status"): {"registered", "preliminary", "final", "amended"},
    ("AdverseEvent", "actuality"): {"actual", "potential"},
    ("Consent", "status"): {"draft", "proposed", "active", "rejected", "inactive", "entered-in-error"},
    ("CarePlan", "status"): {
        "draft",
        "active",
        "on-hold",
        "revoked",
        "completed",
        "entered-in-error",
        "unknown",
    },
    ("CarePlan", "intent"): {"proposal", "plan", "order", "option"},
    ("Device", "status"): {"active", "inactive", "entered-in-error", "unknown"},
}


def test_status_codes_are_from_the_r4_value_sets(clinic_a: ClinicWorld) -> None:
    bundle = build_bundle(full_record(clinic_a).world.client)  # type: ignore[arg-type]
    checked = 0
    for entry in bundle["entry"]:
        r = entry["resource"]
        for (kind, element), allowed in R4_CODES.items():
            if r["resourceType"] == kind:
                assert r[element] in allowed, (kind, element, r[element])
                checked += 1
        if r["resourceType"] == "CarePlan":
            for a in r["activity"]:
                assert a["detail"]["status"] in {
                    "not-started",
                    "scheduled",
                    "in-progress",
                    "on-hold",
                    "completed",
                    "cancelled",
                    "stopped",
                    "unknown",
                    "entered-in-error",
                }
    assert checked >= 10


def test_download_is_clinical_only_access_logged_and_isolated(
    clinic_a: ClinicWorld, clinic_b: ClinicWorld
) -> None:
    url = f"/interop/clients/{clinic_a.client.pk}/fhir/"  # type: ignore[attr-defined]
    http = HttpClient()
    http.force_login(clinic_a.users["front_desk"])  # type: ignore[arg-type]
    assert http.get(url).status_code == 403
    http.force_login(clinic_a.users["practitioner"])  # type: ignore[arg-type]
    before = AccessLog.objects.count()
    response = http.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    Bundle.model_validate_json(response.content)
    assert AccessLog.objects.count() == before + 1
    assert AccessLog.objects.latest("pk").action == "fhir_export"
    other = f"/interop/clients/{clinic_b.client.pk}/fhir/"  # type: ignore[attr-defined]
    assert http.get(other).status_code == 404


def _refs(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return found + [r for v in value.values() for r in _refs(v)]
    if isinstance(value, list):
        return [r for v in value for r in _refs(v)]
    return []


def test_cli_export_writes_a_valid_bundle_and_logs_the_read(
    clinic_a: ClinicWorld, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from needlepoint.cli import main

    world: Any = clinic_a
    out = tmp_path / "bundle.json"
    before = AccessLog.objects.filter(action="fhir_export").count()
    assert main(["fhir-export", str(world.client.pk), "--clinic", world.clinic.slug, "-o", str(out)]) == 0
    assert Bundle.model_validate_json(out.read_text()).entry
    assert AccessLog.objects.filter(action="fhir_export", client=world.client).count() == before + 1
    assert main(["fhir-export", "999999", "--clinic", world.clinic.slug]) == 2
    assert "no client 999999" in capsys.readouterr().err
