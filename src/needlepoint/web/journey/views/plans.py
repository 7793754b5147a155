"""Screening review and treatment plans: draft from an intake, edit, acknowledge findings,
confirm, cancel, revise. Clinical decisions are the owner's or a practitioner's."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from needlepoint import inputs
from needlepoint.clinic.accounts.models import Membership
from needlepoint.clinic.clinics.selectors import clinic_today
from needlepoint.clinic.consent.selectors import valid_consent_for_plan
from needlepoint.clinic.intake.selectors import intake_for_read, latest_intake
from needlepoint.clinic.permissions import Action
from needlepoint.clinic.plans import selectors, services
from needlepoint.clinic.plans.models import PlanStatus, TreatmentPlan
from needlepoint.clinic.pricing.services import price_of_plan
from needlepoint.clinic.sensitivity import reads_clinical, shown
from needlepoint.protocol import Severity, default_protocol
from needlepoint.web import body_map
from needlepoint.web.access import ALL_STAFF, staff_view
from needlepoint.web.errors import apply_to_form, messages_of
from needlepoint.web.journey.forms import AcknowledgeForm, CancelPlanForm, PlanEditForm, PlanStartForm

from .common import clinic, ctx, membership, now

_ORDER = {s.value: i for i, s in enumerate(Severity)}


@staff_view(action=Action.DRAFT_PLAN)
def plan_create(request: HttpRequest, intake_pk: int) -> HttpResponse:
    intake = intake_for_read(ctx(request), intake_pk)
    form = PlanStartForm(
        request.POST or None, clinic=clinic(request), protocol=default_protocol(), initial={"numbing": True}
    )
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        supersedes = None
        if revise := request.POST.get("supersedes", "").strip():
            supersedes = (
                TreatmentPlan.objects.for_clinic(clinic(request))
                .filter(pk=inputs.parse_id(revise) or 0, client=intake.client, status=PlanStatus.CONFIRMED)
                .first()
            )
        try:
            plan = services.draft_plan(
                intake,
                device=c["device"],
                actor=membership(request),
                today=clinic_today(clinic(request)),
                start_date=c.get("start_date"),
                numbing=c.get("numbing", False),
                numbing_agent=c.get("numbing_agent") or "",
                supersedes=supersedes,
            )
        except services.PlanError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, "Screening done: review the findings, then the plan.")
            return redirect("plan-detail", plan_pk=plan.pk)
    return render(
        request,
        "plans/start.html",
        {
            "form": form,
            "intake": intake,
            "client": intake.client,
            "supersedes": request.GET.get("supersedes") or request.POST.get("supersedes", ""),
        },
        status=400 if form.errors else 200,
    )


def _front_desk_context(plan: TreatmentPlan, reader: Membership) -> dict[str, object]:
    """What front desk needs to book and take payment: status, areas by name, the series and
    its windows, price, consent; no findings, depths or notes (clinic/sensitivity.py)."""
    return {
        "clinical": False,
        "plan": shown(reader, plan),
        "client": plan.client,
        "findings": [],
        "areas": [shown(reader, a) for a in plan.areas.order_by("position")],
        "consent_documents": plan.consent_documents.order_by("-version"),
        "valid_consent": valid_consent_for_plan(plan),
        "price": price_of_plan(plan),
    }


def _detail_context(plan: TreatmentPlan) -> dict[str, object]:
    engine = selectors.engine_plan(plan)
    findings = sorted(
        plan.findings.select_related("acknowledged_by__user"), key=lambda f: (_ORDER[f.severity], f.pk)
    )
    return {
        "clinical": True,
        "plan": plan,
        "client": plan.client,
        "engine": engine,
        "findings": findings,
        "areas": plan.areas.order_by("position"),
        "removed": engine.removed_areas,
        "plan_map": body_map.for_plan(
            {a.area: a.depth_mm for a in plan.areas.all()}, [r.area for r in engine.removed_areas]
        ),
        "problems": services.confirmation_problems(plan) if plan.is_draft else [],
        "series": engine.series,
        "consent_documents": plan.consent_documents.order_by("-version"),
        "valid_consent": valid_consent_for_plan(plan),
        "price": price_of_plan(plan),
        "newer_intake": (latest := latest_intake(plan.client)) is not None and latest.pk != plan.intake_id,
    }


@staff_view(*ALL_STAFF)
def plan_detail(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = selectors.plan_for_read(ctx(request), plan_pk)
    reader = membership(request)
    if not reads_clinical(reader):
        return render(request, "plans/detail.html", _front_desk_context(plan, reader))
    return render(request, "plans/detail.html", _detail_context(plan))


@staff_view(action=Action.DRAFT_PLAN)
def plan_edit(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = selectors.plan_for_read(ctx(request), plan_pk)
    if not plan.is_draft:
        messages.error(request, "Only a draft plan can be changed; start a revision instead.")
        return redirect("plan-detail", plan_pk=plan.pk)
    form = PlanEditForm(request.POST or None, plan=plan, protocol=default_protocol())
    if request.method == "POST" and form.is_valid():
        try:
            services.revise_plan(
                plan,
                form.choices(),
                form.schedule(),
                actor=membership(request),
                today=clinic_today(clinic(request)),
                price=form.cleaned_data.get("price"),
                notes=form.cleaned_data.get("notes", ""),
            )
        except services.PlanError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, "Plan saved and re-screened.")
            return redirect("plan-detail", plan_pk=plan.pk)
    context = _detail_context(plan) | {"form": form}
    return render(request, "plans/edit.html", context, status=400 if form.errors else 200)


@require_POST
@staff_view(action=Action.ACKNOWLEDGE_FINDING)
def finding_acknowledge(request: HttpRequest, plan_pk: int, finding_pk: int) -> HttpResponse:
    plan = selectors.plan_for_read(ctx(request), plan_pk)
    finding = selectors.finding_of(plan, finding_pk)
    form = AcknowledgeForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.acknowledge_finding(
                finding, actor=membership(request), note=form.cleaned_data["note"], now=now()
            )
        except services.PlanError as exc:
            error = " ".join(messages_of(exc))
    else:
        error = "The note is too long."
    if error:
        context = _detail_context(plan) | {
            "ack_error": error,
            "ack_finding": finding.pk,
            "ack_note": request.POST.get("note", ""),
        }
        return render(request, "plans/detail.html", context, status=400)
    messages.success(request, "Acknowledged.")
    return redirect(f"{plan_detail_url(plan)}#finding-{finding.pk}")


def plan_detail_url(plan: TreatmentPlan) -> str:
    from django.urls import reverse

    return reverse("plan-detail", kwargs={"plan_pk": plan.pk})


@require_POST
@staff_view(action=Action.CONFIRM_PLAN)
def plan_confirm(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = selectors.plan_for_read(ctx(request), plan_pk)
    try:
        services.confirm_plan(plan, actor=membership(request), now=now(), today=clinic_today(clinic(request)))
    except services.PlanError as exc:
        plan.refresh_from_db()
        context = _detail_context(plan) | {"confirm_errors": messages_of(exc)}
        return render(request, "plans/detail.html", context, status=400)
    messages.success(request, "Plan confirmed. Next: consent.")
    return redirect("plan-detail", plan_pk=plan.pk)


@require_POST
@staff_view(action=Action.CANCEL_PLAN)
def plan_cancel(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = selectors.plan_for_read(ctx(request), plan_pk)
    form = CancelPlanForm(request.POST)
    try:
        if not form.is_valid():
            raise services.PlanError.one("reason", "Give a reason for cancelling the plan.")
        services.cancel_plan(plan, actor=membership(request), reason=form.cleaned_data["reason"], now=now())
    except services.PlanError as exc:
        context = _detail_context(plan) | {
            "cancel_errors": messages_of(exc),
            "cancel_reason": request.POST.get("reason", ""),
        }
        return render(request, "plans/detail.html", context, status=400)
    messages.success(request, "Plan cancelled.")
    return redirect("plan-detail", plan_pk=plan.pk)
