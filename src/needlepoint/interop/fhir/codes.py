"""Code systems, extension URLs and the SNOMED CT body-site map used by the FHIR export.

SNOMED CT (http://snomed.info/sct) for body sites; LOINC 59284-0 ("Patient consent") for the
Consent category; HL7 terminology for categories, scopes and AE severity/outcome. Microneedling
itself and the outcome scales (Goodman & Baron, GAIS, …) have no SNOMED/LOINC code we could
vouch for, so they use Needlepoint code systems under BASE and always carry a readable `text`.
"""

from __future__ import annotations

from needlepoint.protocol import sides

BASE = "https://needlepoint.dev/fhir"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"

CS_PROCEDURE = f"{BASE}/CodeSystem/procedure"
CS_AREA = f"{BASE}/CodeSystem/area"
CS_SCALE = f"{BASE}/CodeSystem/outcome-scale"
CS_AE_TYPE = f"{BASE}/CodeSystem/adverse-event-type"
CS_INDICATION = f"{BASE}/CodeSystem/indication"
ID_CLIENT = f"{BASE}/NamingSystem/client"
ID_STAFF = f"{BASE}/NamingSystem/staff"
ID_CONSENT_SHA256 = f"{BASE}/NamingSystem/consent-sha256"

# Needle depth is a setting of the procedure, not a measurement of the patient, so it is an
# extension on Procedure (and on the CarePlan activity that plans it) rather than an Observation
# component. valueQuantity in millimetres (UCUM "mm").
EXT_NEEDLE_DEPTH = f"{BASE}/StructureDefinition/needle-depth"
EXT_PASSES = f"{BASE}/StructureDefinition/passes"
# Laterality of a body site that has sides (cheeks.left): the published R4 "Laterality Qualifier"
# extension (mCODE), allowed on any CodeableConcept, valued with SNOMED CT's qualifiers. The
# site keeps its plain SNOMED code, so a receiver that ignores the extension still reads
# "cheek", never a wrong side.
EXT_LATERALITY = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-laterality-qualifier"
LATERALITY = {"left": ("7771000", "Left (qualifier value)"), "right": ("24028007", "Right (qualifier value)")}
# R4's AdverseEvent has no bodySite element: the site travels in this extension instead.
EXT_BODY_SITE = f"{BASE}/StructureDefinition/body-site"

OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
AE_SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
AE_OUTCOME = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"
DEVICE_ACTION = f"{BASE}/CodeSystem/device-action"

# Protocol area code → SNOMED CT body structure (code, display).
BODY_SITES: dict[str, tuple[str, str]] = {
    "forehead": ("52795006", "Forehead structure"),
    "periorbital": ("371398005", "Eye region structure"),
    "nose": ("45206002", "Nasal structure"),
    "cheeks": ("60819002", "Cheek structure"),
    "perioral": ("123851003", "Mouth region structure"),
    "jawline": ("661005", "Jaw region structure"),
    "neck": ("45048000", "Neck structure"),
    "chest": ("51185008", "Thoracic structure"),
    "hands": ("85562004", "Hand structure"),
    "arms": ("53120007", "Upper limb structure"),
    "abdomen": ("113345001", "Abdominal structure"),
    "back": ("77568009", "Structure of back of trunk"),
    "thighs_legs": ("61685007", "Lower limb structure"),
    "buttocks": ("46862004", "Buttock structure"),
    "scalp": ("41695006", "Scalp structure"),
}

# Needlepoint severity → FHIR R4 AdverseEvent.severity (mild | moderate | severe).
AE_SEVERITY_MAP = {"mild": "mild", "moderate": "moderate", "severe": "severe", "life_threatening": "severe"}

APPOINTMENT_STATUS = {
    "booked": "booked",
    "checked_in": "checked-in",
    "completed": "fulfilled",
    "no_show": "noshow",
    "cancelled": "cancelled",
}

CAREPLAN_STATUS = {"draft": "draft", "confirmed": "active", "superseded": "revoked", "cancelled": "revoked"}


def body_site(area: str, name: str = "") -> dict[str, object]:
    """A CodeableConcept for an area code, with its side (``cheeks.left``) as laterality."""
    base, side = sides.split(area)
    codings = [{"system": CS_AREA, "code": area, "display": name or area}]
    if base in BODY_SITES:
        code, display = BODY_SITES[base]
        codings.insert(0, {"system": SNOMED, "code": code, "display": display})
    concept: dict[str, object] = {"coding": codings, "text": name or area}
    if side in LATERALITY:
        code, display = LATERALITY[side]
        concept["extension"] = [
            {
                "url": EXT_LATERALITY,
                "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": code, "display": display}]},
            }
        ]
    return concept


def body_site_extension(area: str, name: str = "") -> dict[str, object]:
    return {"url": EXT_BODY_SITE, "valueCodeableConcept": body_site(area, name)}


def depth_extension(mm: object) -> dict[str, object]:
    return {
        "url": EXT_NEEDLE_DEPTH,
        "valueQuantity": {"value": float(str(mm)), "unit": "mm", "system": UCUM, "code": "mm"},
    }
