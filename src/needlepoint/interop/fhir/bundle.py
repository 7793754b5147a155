"""One client's record as a FHIR R4 Bundle (type `collection`) of plain JSON-ready dicts.

`collection` rather than `document`: a document needs a Composition authored and attested as
one clinical document, which this export is not; it is a transfer of the record's resources.
Entries use `urn:uuid:` full URLs derived (uuid5) from clinic, resource type and primary key, so
exporting twice gives the same identifiers and references resolve inside the bundle.

What is exported: Patient, Organization (the clinic), Practitioner (each staff member the record
mentions), Device (pens and the single-use cartridge lots), Appointment, Procedure (one per
charted area, linked to its visit's Encounter and so to the Appointment: bodySite in SNOMED CT,
the pen as `focalDevice`, the cartridge lot as `usedReference`, needle depth and passes as
extensions), Observation (outcome scores), AdverseEvent, Consent (signed consent documents) and
CarePlan (treatment plans: one activity per area with the planned depth, the series as a Timing).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from needlepoint import clock
from needlepoint.clinic.accounts.models import Membership
from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Device
from needlepoint.clinic.consent.models import ConsentSignature
from needlepoint.clinic.outcomes.models import AdverseEvent, OutcomeScore
from needlepoint.clinic.plans.models import TreatmentPlan
from needlepoint.clinic.treatments.models import Chart, ChartEntry, Lot
from needlepoint.protocol import default_protocol

from . import codes as c

Resource = dict[str, Any]
_NS = uuid.UUID("5b0c6f8e-2f43-4f77-9b1c-6d0c1f3f9a10")



def area_name(code: str) -> str:
    """``cheeks.left`` → "Cheeks (left)" (rows that store no name of their own)."""
    return default_protocol().area_name(code)

def _iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat()


def _prune(value: Any) -> Any:
    """FHIR forbids empty strings, lists and objects: drop them (and None) recursively."""
    if isinstance(value, dict):
        out = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [x for x in (_prune(v) for v in value) if x not in (None, "", [], {})]
    if isinstance(value, Decimal):
        return float(value)
    return value


class _Builder:
    def __init__(self, client: Client) -> None:
        self.client = client
        self.clinic_id = client.clinic_id
        self.entries: dict[str, Resource] = {}

    def ref(self, kind: str, pk: object) -> str:
        return f"urn:uuid:{uuid.uuid5(_NS, f'{self.clinic_id}/{kind}/{pk}')}"

    def add(self, kind: str, pk: object, resource: Resource) -> str:
        url = self.ref(kind, pk)
        if url not in self.entries:
            self.entries[url] = _prune({"resourceType": kind, **resource})
        return url

    # --- participants -------------------------------------------------------------------------

    def organization(self) -> str:
        clinic = self.client.clinic
        return self.add("Organization", clinic.pk, {"name": clinic.name, "active": True})

    def practitioner(self, m: Membership | None) -> dict[str, str] | None:
        if m is None:
            return None
        user = m.user
        name = m.display_name or user.get_full_name() or user.email
        parts = name.rsplit(" ", 1)
        url = self.add(
            "Practitioner",
            m.pk,
            {
                "identifier": [{"system": f"{c.ID_STAFF}/{self.clinic_id}", "value": str(m.pk)}],
                "active": m.is_active,
                "name": [{"text": name, "family": parts[-1], "given": parts[:-1]}],
                "telecom": [{"system": "email", "value": user.email, "use": "work"}],
            },
        )
        return {"reference": url, "display": name}

    def patient(self) -> str:
        cl = self.client
        telecom = []
        if cl.email:
            telecom.append({"system": "email", "value": cl.email})
        if cl.phone:
            telecom.append({"system": "phone", "value": cl.phone})
        return self.add(
            "Patient",
            cl.pk,
            {
                "identifier": [{"system": f"{c.ID_CLIENT}/{self.clinic_id}", "value": str(cl.pk)}],
                "active": not cl.is_archived,
                "name": [{"use": "official", "family": cl.last_name, "given": [cl.first_name]}],
                "birthDate": _iso(cl.date_of_birth),
                "telecom": telecom,
                "managingOrganization": {"reference": self.organization()},
            },
        )

    def device(self, d: Device) -> str:
        return self.add(
            "Device",
            f"device-{d.pk}",
            {
                "status": "active" if d.is_active else "inactive",
                "manufacturer": d.make,
                "serialNumber": d.serial_number,
                "deviceName": [{"name": d.name, "type": "user-friendly-name"}],
                "modelNumber": d.model,
                "type": {"text": f"Microneedling {d.get_kind_display().lower()}"},
                "owner": {"reference": self.organization()},
            },
        )

    def lot(self, lot: Lot) -> str:
        return self.add(
            "Device",
            f"lot-{lot.pk}",
            {
                "status": "inactive" if lot.recalled_at else "active",
                "lotNumber": lot.lot_number,
                "expirationDate": _iso(lot.expiry),
                "deviceName": [{"name": lot.product_name, "type": "manufacturer-name"}],
                "type": {"text": lot.get_kind_display()},
                "owner": {"reference": self.organization()},
            },
        )

    # --- clinical resources -------------------------------------------------------------------

    def appointment(self, a: Appointment, patient: str) -> str:
        participants: list[dict[str, Any]] = [{"actor": {"reference": patient}, "status": "accepted"}]
        who = self.practitioner(a.practitioner)
        if who:
            participants.append({"actor": who, "status": "accepted"})
        return self.add(
            "Appointment",
            a.pk,
            {
                "status": c.APPOINTMENT_STATUS.get(a.status, "booked"),
                "cancelationReason": {"text": a.cancellation_reason} if a.cancellation_reason else None,
                "appointmentType": {"text": a.appointment_type.name},
                "serviceType": [{"coding": [{"system": c.CS_PROCEDURE, "code": "microneedling"}]}],
                "start": _iso(a.start),
                "end": _iso(a.end),
                "minutesDuration": int((a.end - a.start).total_seconds() // 60),
                "created": _iso(a.created_at) if hasattr(a, "created_at") else None,
                "comment": a.notes,
                "participant": participants,
            },
        )

    def encounter(self, chart: Chart, patient: str, appointment: str) -> str:
        """The visit a chart records: R4 links a Procedure to its Appointment through it."""
        a = chart.appointment
        return self.add(
            "Encounter",
            chart.pk,
            {
                "status": "finished" if chart.signed_at else "in-progress",
                "class": {"system": c.ACT_CODE, "code": "AMB", "display": "ambulatory"},
                "subject": {"reference": patient},
                "appointment": [{"reference": appointment}],
                "period": {"start": _iso(a.start), "end": _iso(a.end)},
                "serviceProvider": {"reference": self.organization()},
            },
        )

    def procedure(self, e: ChartEntry, patient: str, appointment: str) -> str:
        chart = e.chart
        performer = self.practitioner(chart.signed_by or chart.created_by)
        extensions = [
            c.depth_extension(e.depth_mm),
            {"url": c.EXT_PASSES, "valueInteger": e.passes},
        ]
        notes = (
            [{"text": f"Recommended {e.recommended_mm} mm; override: {e.override_reason}"}]
            if (e.override_reason)
            else []
        )
        if e.reaction_notes:
            notes.append({"text": e.reaction_notes})
        return self.add(
            "Procedure",
            e.pk,
            {
                "extension": extensions,
                "status": "completed" if chart.signed_at else "in-progress",
                "code": {
                    "coding": [{"system": c.CS_PROCEDURE, "code": "microneedling"}],
                    "text": "Microneedling (collagen induction therapy)",
                },
                "subject": {"reference": patient},
                "encounter": {"reference": self.encounter(chart, patient, appointment)},
                "performedPeriod": {
                    "start": _iso(chart.appointment.start),
                    "end": _iso(chart.appointment.end),
                },
                "performer": [{"actor": performer}] if performer else [],
                "bodySite": [c.body_site(e.area, e.area_name)],
                "reasonCode": [{"coding": [{"system": c.CS_INDICATION, "code": e.indication}]}]
                if e.indication
                else [],
                "focalDevice": [
                    {
                        "action": {"coding": [{"system": c.DEVICE_ACTION, "code": "used"}], "text": "used"},
                        "manipulated": {"reference": self.device(e.device)},
                    }
                ],
                "usedReference": [{"reference": self.lot(e.cartridge_lot)}]
                + ([{"reference": self.lot(e.product_lot)}] if e.product_lot is not None else []),
                "basedOn": [],
                "partOf": [],
                "note": notes,
            },
        )

    def observation(self, s: OutcomeScore, patient: str) -> str:
        return self.add(
            "Observation",
            s.pk,
            {
                "status": "final",
                "category": [
                    {
                        "coding": [
                            {
                                "system": c.OBSERVATION_CATEGORY,
                                "code": "survey" if s.scale == "satisfaction" else "exam",
                            }
                        ]
                    }
                ],
                "code": {"coding": [{"system": c.CS_SCALE, "code": s.scale}], "text": s.scale},
                "subject": {"reference": patient},
                "effectiveDateTime": _iso(s.session_at),
                "issued": _iso(s.recorded_at),
                "performer": [p for p in [self.practitioner(s.recorded_by or s.practitioner)] if p],
                "valueInteger": s.value,
                "bodySite": c.body_site(s.area, area_name(s.area)) if s.area else None,
            },
        )

    def adverse_event(self, ae: AdverseEvent, patient: str, procedures: dict[int, list[str]]) -> str:
        suspects = [{"instance": {"reference": p}} for p in procedures.get(ae.appointment_id or 0, [])]
        if ae.device_id and ae.device is not None:
            suspects.append({"instance": {"reference": self.device(ae.device)}})
        closed = ae.status == "closed"
        return self.add(
            "AdverseEvent",
            ae.pk,
            {
                "extension": [c.body_site_extension(ae.area, area_name(ae.area))] if ae.area else [],
                "actuality": "actual",
                "event": {
                    "coding": [{"system": c.CS_AE_TYPE, "code": ae.type}],
                    "text": ae.get_type_display(),
                },
                "subject": {"reference": patient},
                "date": _iso(ae.onset),
                "recordedDate": _iso(ae.created_at),
                "recorder": self.practitioner(ae.reported_by),
                "severity": {"coding": [{"system": c.AE_SEVERITY, "code": c.AE_SEVERITY_MAP[ae.severity]}]},
                "outcome": {
                    "coding": [{"system": c.AE_OUTCOME, "code": "resolved" if closed else "ongoing"}]
                },
                "location": None,
                "suspectEntity": suspects,
            },
        )

    def consent(self, sig: ConsentSignature, patient: str) -> str:
        doc = sig.document
        return self.add(
            "Consent",
            sig.pk,
            {
                "identifier": [{"system": c.ID_CONSENT_SHA256, "value": sig.sha256}],
                "status": "active",
                "scope": {"coding": [{"system": c.CONSENT_SCOPE, "code": "treatment"}]},
                "category": [
                    {"coding": [{"system": c.LOINC, "code": "59284-0", "display": "Patient Consent"}]}
                ],
                "patient": {"reference": patient},
                "dateTime": _iso(sig.signed_at),
                "performer": [{"reference": patient, "display": sig.typed_name}],
                "organization": [{"reference": self.organization()}],
                "sourceAttachment": {
                    "contentType": "application/pdf",
                    "title": f"{doc.title} (version {doc.version})",
                    "creation": _iso(sig.signed_at),
                },
                "policyRule": {"coding": [{"system": c.ACT_CODE, "code": "OPTIN"}]},
                "provision": {"type": "permit"},
            },
        )

    def care_plan(self, plan: TreatmentPlan, patient: str) -> str:
        activities = []
        for area in plan.areas.all():
            detail: dict[str, Any] = {
                "extension": [
                    c.depth_extension(area.depth_mm),
                    c.body_site_extension(area.area, area.area_name),
                ],
                "kind": "ServiceRequest",
                "code": {
                    "coding": [{"system": c.CS_PROCEDURE, "code": "microneedling"}],
                    "text": f"Microneedling, {area.area_name}: {area.indication_name}",
                },
                "reasonCode": [{"coding": [{"system": c.CS_INDICATION, "code": area.indication}]}],
                "status": "not-started" if plan.is_draft else "scheduled",
                "description": f"{area.area_name} at {area.depth_mm} mm"
                + (
                    f" (recommended {area.recommended_mm} mm: {area.override_reason})"
                    if area.is_override
                    else ""
                ),
            }
            if plan.sessions:
                repeat: dict[str, Any] = {"count": plan.sessions}
                if plan.gap_min_days:
                    repeat.update(period=plan.gap_min_days, periodUnit="d")
                    if plan.gap_max_days and plan.gap_max_days != plan.gap_min_days:
                        repeat["periodMax"] = plan.gap_max_days
                detail["scheduledTiming"] = {"repeat": repeat}
            activities.append({"detail": detail})
        author = self.practitioner(plan.confirmed_by or plan.created_by)
        return self.add(
            "CarePlan",
            plan.pk,
            {
                "status": c.CAREPLAN_STATUS.get(plan.status, "unknown"),
                "intent": "plan",
                "title": f"Microneedling plan ({plan.protocol_id} {plan.protocol_version})",
                "description": plan.notes,
                "subject": {"reference": patient},
                "period": {"start": _iso(plan.first_earliest or plan.start_date)},
                "created": _iso(plan.created_at),
                "author": author,
                "activity": activities,
                "note": [{"text": plan.schedule_reason}] if plan.schedule_reason else [],
            },
        )


def build_bundle(client: Client) -> Resource:
    b = _Builder(client)
    patient = b.patient()
    appts = list(
        Appointment.objects.for_clinic(client.clinic_id)
        .filter(client=client)
        .select_related("appointment_type", "practitioner__user")
        .order_by("start")
    )
    appt_refs = {a.pk: b.appointment(a, patient) for a in appts}
    entries = (
        ChartEntry.objects.for_clinic(client.clinic_id)
        .filter(chart__client=client)
        .select_related(
            "chart__appointment",
            "chart__signed_by__user",
            "chart__created_by__user",
            "device",
            "cartridge_lot",
            "product_lot",
        )
        .order_by("chart__appointment__start", "position")
    )
    procedures: dict[int, list[str]] = {}
    for e in entries:
        appt_id = e.chart.appointment_id
        procedures.setdefault(appt_id, []).append(b.procedure(e, patient, appt_refs[appt_id]))
    for s in _scores(client):
        b.observation(s, patient)
    for ae in (
        AdverseEvent.objects.for_clinic(client.clinic_id)
        .filter(client=client)
        .select_related("reported_by__user", "device")
    ):
        b.adverse_event(ae, patient, procedures)
    for sig in (
        ConsentSignature.objects.for_clinic(client.clinic_id).filter(client=client).select_related("document")
    ):
        b.consent(sig, patient)
    for plan in (
        TreatmentPlan.objects.for_clinic(client.clinic_id)
        .filter(client=client)
        .select_related("created_by__user", "confirmed_by__user")
        .prefetch_related("areas")
    ):
        b.care_plan(plan, patient)
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": _iso(clock.now())},
        "type": "collection",
        "timestamp": _iso(clock.now()),
        "entry": [{"fullUrl": url, "resource": res} for url, res in b.entries.items()],
    }


def _scores(client: Client) -> Iterable[OutcomeScore]:
    return (
        OutcomeScore.objects.for_clinic(client.clinic_id)
        .filter(client=client)
        .select_related("recorded_by__user", "practitioner__user")
        .order_by("session_at", "area", "scale")
    )
