"""Treatment plans: draft from an intake, revise, acknowledge findings, confirm, cancel.
Clinical decisions need the plans:write scope and an owner's or practitioner's token."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from needlepoint import clock
from needlepoint.clinic.clients.selectors import client_for_read
from needlepoint.clinic.clinics.models import Device
from needlepoint.clinic.clinics.selectors import clinic_today
from needlepoint.clinic.intake.selectors import intake_for_read
from needlepoint.clinic.permissions import Actor
from needlepoint.clinic.plans import selectors, services
from needlepoint.clinic.plans.engine import AreaChoice
from needlepoint.clinic.plans.models import PlanStatus, TreatmentPlan
from needlepoint.clinic.sensitivity import reads_clinical, redact, rows

from ..auth import requires
from ..context import access, actor, clinic
from ..errors import ApiError
from ..schemas.common import responses
from ..schemas.plans import AcknowledgeIn, PlanAreaOut, PlanIn, PlanOut, PlanRevisionIn, PlanSummary, ReasonIn

router = Router(tags=["plans"])


def plan_out(plan: TreatmentPlan, reader: Actor) -> dict[str, Any]:
    """The plan as `reader` may see it: findings, depths and notes only for clinical staff."""
    out = {f: getattr(plan, f) for f in PlanOut.model_fields if f not in ("areas", "findings", "problems")}
    out = redact(reader, plan, out)
    out["areas"] = [
        redact(reader, a, {f: getattr(a, f) for f in PlanAreaOut.model_fields})
        for a in plan.areas.order_by("position")
    ]
    out["findings"] = [
        {
            **{f: getattr(x, f) for f in ("id", "code", "severity", "area", "area_name", "reason", "action")},
            "until": x.until,
            "needs_acknowledgement": x.needs_acknowledgement,
            "acknowledged_at": x.acknowledged_at,
            "acknowledgement_note": x.acknowledgement_note,
        }
        for x in rows(reader, "plans.PlanFinding", plan.findings.order_by("pk"))
    ]
    # Problems name findings and depths: clinical.
    out["problems"] = services.confirmation_problems(plan) if plan.is_draft and reads_clinical(reader) else []
    return out


@router.get("/clients/{client_id}/plans", response=responses(list[PlanSummary]), auth=requires("plans:read"))
def list_plans(request: HttpRequest, client_id: int) -> list[TreatmentPlan]:
    return list(selectors.plans_of(client_for_read(access(request), client_id)))


@router.get("/plans/{plan_id}", response=responses(PlanOut), auth=requires("plans:read"))
def get_plan(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    return plan_out(selectors.plan_for_read(access(request), plan_id), actor(request))


@router.post("/intakes/{intake_id}/plans", response=responses(PlanOut, 201), auth=requires("plans:write"))
def draft_plan(request: HttpRequest, intake_id: int, payload: PlanIn) -> Status[dict[str, Any]]:
    """Screen the intake and draft a plan with the engine's proposal for each area."""
    intake = intake_for_read(access(request), intake_id)
    device = Device.objects.for_clinic(clinic(request)).filter(pk=payload.device_id).first()
    if device is None:
        raise ApiError(400, "invalid", "No such device.", {"device_id": ["No such device."]})
    supersedes = None
    if payload.supersedes_id is not None:
        supersedes = (
            TreatmentPlan.objects.for_clinic(clinic(request))
            .filter(pk=payload.supersedes_id, client=intake.client, status=PlanStatus.CONFIRMED)
            .first()
        )
        if supersedes is None:
            raise ApiError(
                400, "invalid", "Not a confirmed plan of this client.", {"supersedes_id": ["Not found."]}
            )
    plan = services.draft_plan(
        intake,
        device=device,
        actor=actor(request),
        today=clinic_today(clinic(request)),
        start_date=payload.start_date,
        numbing=payload.numbing,
        numbing_agent=payload.numbing_agent,
        supersedes=supersedes,
    )
    return Status(201, plan_out(plan, actor(request)))


@router.patch("/plans/{plan_id}", response=responses(PlanOut), auth=requires("plans:write"))
def revise_plan(request: HttpRequest, plan_id: int, payload: PlanRevisionIn) -> dict[str, Any]:
    """Change a draft's areas and depths, series, price or notes; re-screened before saving."""
    plan = selectors.plan_for_read(access(request), plan_id)
    current = {c.area: c for c in services.choices_of(plan)}
    if payload.areas is None:
        choices = list(current.values())
    else:
        choices = []
        for a in payload.areas:
            base = selectors.requested_entry(plan, a.area)  # an area, or one side of it
            if base is None:
                raise ApiError(
                    400,
                    "invalid",
                    f"Not in the intake: {a.area}.",
                    {"areas": [f"Not in the intake: {a.area}."]},
                )
            choices.append(
                AreaChoice(a.area, base["indication"], base.get("goodman_baron_grade"), a.depth_mm, a.reason)
            )
    schedule = services.Schedule(**payload.schedule.model_dump()) if payload.schedule else None
    services.revise_plan(
        plan,
        choices,
        schedule,
        actor=actor(request),
        today=clinic_today(clinic(request)),
        price=payload.price,
        notes=payload.notes,
    )
    plan.refresh_from_db()
    return plan_out(plan, actor(request))


@router.post(
    "/plans/{plan_id}/findings/{finding_id}/acknowledge",
    response=responses(PlanOut),
    auth=requires("plans:write"),
)
def acknowledge_finding(
    request: HttpRequest, plan_id: int, finding_id: int, payload: AcknowledgeIn
) -> dict[str, Any]:
    plan = selectors.plan_for_read(access(request), plan_id)
    finding = selectors.finding_of(plan, finding_id)
    services.acknowledge_finding(finding, actor=actor(request), note=payload.note, now=clock.now())
    return plan_out(plan, actor(request))


@router.post("/plans/{plan_id}/confirm", response=responses(PlanOut), auth=requires("plans:write"))
def confirm_plan(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    """Re-screens with today's date, then confirms; 400 lists what still stands in the way."""
    plan = selectors.plan_for_read(access(request), plan_id)
    plan = services.confirm_plan(
        plan, actor=actor(request), now=clock.now(), today=clinic_today(clinic(request))
    )
    return plan_out(plan, actor(request))


@router.post("/plans/{plan_id}/cancel", response=responses(PlanOut), auth=requires("plans:write"))
def cancel_plan(request: HttpRequest, plan_id: int, payload: ReasonIn) -> dict[str, Any]:
    plan = selectors.plan_for_read(access(request), plan_id)
    plan = services.cancel_plan(plan, actor=actor(request), reason=payload.reason, now=clock.now())
    return plan_out(plan, actor(request))
