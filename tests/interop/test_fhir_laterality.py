"""Sides in the FHIR export: a charted side, its outcome score and its adverse event carry the
SNOMED CT laterality qualifier on their body site; the site's own code stays the plain
structure, and the bundle still validates."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from needlepoint.clinic.outcomes.models import AdverseEvent, OutcomeScore
from needlepoint.clinic.treatments.models import ChartEntry
from needlepoint.interop.fhir import build_bundle, codes
from tests.conftest import ClinicWorld
from tests.interop.fhir_world import full_record


def _laterality(concept: dict[str, Any]) -> str | None:
    ext = [e for e in concept.get("extension", []) if e["url"] == codes.EXT_LATERALITY]
    return ext[0]["valueCodeableConcept"]["coding"][0]["code"] if ext else None


def test_sides_carry_laterality(clinic_a: ClinicWorld) -> None:
    rec = full_record(clinic_a)
    world: Any = rec.world
    cheeks = rec.entries[0]
    # The same session, the left cheek charted apart: as the chart does for a plan by side.
    ChartEntry.objects.filter(pk=cheeks.pk).update(area="cheeks.left", area_name="Cheeks (left)")
    OutcomeScore.objects.filter(client=world.client).update(area="cheeks.right")
    AdverseEvent.objects.filter(client=world.client).update(area="cheeks.left")

    bundle = build_bundle(world.client)
    Bundle.model_validate_json(json.dumps(bundle))  # still valid R4(B)
    res: dict[str, list[dict[str, Any]]] = {}
    for e in bundle["entry"]:
        res.setdefault(e["resource"]["resourceType"], []).append(e["resource"])

    left = next(p for p in res["Procedure"] if p["bodySite"][0]["text"] == "Cheeks (left)")
    site = left["bodySite"][0]
    assert site["coding"][0] == {"system": codes.SNOMED, "code": "60819002", "display": "Cheek structure"}
    assert {"system": codes.CS_AREA, "code": "cheeks.left", "display": "Cheeks (left)"} in site["coding"]
    assert _laterality(site) == "7771000"
    forehead = next(p for p in res["Procedure"] if p["bodySite"][0]["text"] == "Forehead")
    assert _laterality(forehead["bodySite"][0]) is None  # no side, no qualifier

    assert {_laterality(o["bodySite"]) for o in res["Observation"]} == {"24028007"}
    assert {o["bodySite"]["text"] for o in res["Observation"]} == {"Cheeks (right)"}
    ae = res["AdverseEvent"][0]
    ae_site = next(x for x in ae["extension"] if x["url"] == codes.EXT_BODY_SITE)["valueCodeableConcept"]
    assert _laterality(ae_site) == "7771000" and ae_site["coding"][0]["code"] == "60819002"
    activity = res["CarePlan"][0]["activity"][0]["detail"]
    assert any(x["url"] == codes.EXT_BODY_SITE for x in activity["extension"])
    assert Decimal(str(left["extension"][0]["valueQuantity"]["value"])) == Decimal("1.5")
