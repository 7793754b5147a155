"""Treatment day for one appointment: check-in, the numbing clock, the chart (entries, signing,
addenda) and the session's photos on one page.

Front desk sees check-in and the numbing clock; charts and photos are clinical. Every refusal of
the services comes back on its form field with the input kept (400/403/409).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from needlepoint import clock
from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.clinics.models import Clinic
from needlepoint.clinic.permissions import Action, may
from needlepoint.clinic.plans.models import TreatmentPlan
from needlepoint.clinic.treatments import protocol_rules, selectors, services
from needlepoint.clinic.treatments.errors import TreatmentError
from needlepoint.clinic.treatments.models import Chart, ChartEntry, Lot, NumbingApplication
from needlepoint.clinic.treatments.vocab import REACTION_BY_CODE, LotKind
from needlepoint.web import body_map
from needlepoint.web.access import ALL_STAFF, clinic_of, membership_of, staff_view
from needlepoint.web.appointment_access import staff_appointment
from needlepoint.web.errors import apply_to_form
from needlepoint.web.treatments.forms import (
    AddendumForm,
    ChartEntryForm,
    NumbingForm,
    PhotoForm,
    SignForm,
)

#: Statuses in which the chart takes entries (the template shows the entry form then).
CHARTABLE = ("checked_in", "completed")

#: Seconds between refreshes of the numbing clock (htmx poll, or the Refresh header without JS).
CLOCK_REFRESH_SECONDS = 30


def appointment_or_404(request: HttpRequest, pk: int, action: str) -> Appointment:
    """The appointment, its read logged, its location's zone active (clock fragment included)."""
    return staff_appointment(request, pk, action)


def _is_clinical(request: HttpRequest) -> bool:
    return may(membership_of(request), Action.CHART)


def _plan_areas(appt: Appointment) -> tuple[list[str], dict[str, Any]]:
    plan = services.plan_of(appt)
    if plan is None:
        return [], {}
    rows = list(plan.areas.order_by("position"))
    return [a.area for a in rows], {a.area: a.recommended_mm for a in rows}


def _agent_of(plan: TreatmentPlan | None) -> str:
    """The plan's anaesthetic, else the protocol's default."""
    return (plan.numbing_agent if plan else "") or protocol_rules.agent_rules().code


def _local(appt: Appointment, instant: datetime | None) -> datetime | None:
    return instant.astimezone(ZoneInfo(appt.location.timezone)) if instant else None


def _page(request: HttpRequest, appt: Appointment, status: int = 200, **forms_: forms.Form) -> HttpResponse:
    """The treatment-day page; ``forms_`` replaces a default form by a bound one with errors."""
    clinic = clinic_of(request)
    now = clock.now()
    areas, recommended = _plan_areas(appt)
    plan = services.plan_of(appt)
    numbing_clock = selectors.numbing_clock(appt, now=now)
    context: dict[str, Any] = {
        "appt": appt,
        "plan": plan,
        "start": _local(appt, appt.start),
        "end": _local(appt, appt.end),
        "arrival": _local(appt, appt.arrival),
        "clock": numbing_clock,
        "clock_times": _clock_times(appt, numbing_clock),
        "refresh": CLOCK_REFRESH_SECONDS,
        "is_clinical": _is_clinical(request),
        "numbing_form": forms_.get("numbing_form") or NumbingForm(areas=areas, default_agent=_agent_of(plan)),
        "numbings": [
            (n, _local(appt, n.applied_at), _local(appt, n.removed_at))
            for n in appt.numbing_applications.order_by("applied_at", "pk")
        ],
    }
    if context["is_clinical"]:
        chart = selectors.chart_for_appointment(clinic, appt)
        entries = list(selectors.chart_entries(chart)) if chart else []
        charted = {e.area for e in entries}
        remaining = [a for a in areas if a not in charted]
        usable = _usable(clinic, appt, now)
        # The entry form is on the page: an unsigned chart of a client who is in.
        charting = bool(remaining) and not (chart and chart.is_signed) and appt.status in CHARTABLE
        context.update(
            chart=chart,
            entries=[(e, [REACTION_BY_CODE[r] for r in e.reactions]) for e in entries],
            addenda=list(chart.addenda.select_related("author__user", "entry")) if chart else [],
            signed_local=_local(appt, chart.signed_at) if chart else None,
            entry_form=forms_.get("entry_form")
            or ChartEntryForm(
                clinic=clinic,
                appointment=appt,
                areas=remaining,
                usable=usable,
                recommended=recommended,
                initial={"area": remaining[0] if remaining else None},
            ),
            remaining=remaining,
            signer=_signer(request, appt),
            sign_form=forms_.get("sign_form") or _sign_form(request, appt),
            addendum_form=forms_.get("addendum_form") or AddendumForm(chart=chart),
            photos=list(selectors.photos_of_appointment(clinic, appt)),
            photo_form=forms_.get("photo_form") or PhotoForm(areas=areas),
            no_lots=not usable[LotKind.CARTRIDGE],
            chart_map=_chart_map(plan, remaining if charting else [], entries),
            chart_target="id_entry-area" if charting else "",
            photo_map=body_map.build(states=dict.fromkeys(areas, "choosable")),
        )
    return render(request, "treatments/day.html", context, status=status)


def _chart_map(
    plan: TreatmentPlan | None, choosable: list[str], entries: list[ChartEntry]
) -> list[body_map.MapView]:
    """The plan on the face: charted areas shaded by the depth used, the rest planned with the
    planned depth (``choosable`` ones a click away), the engine's removed areas marked."""
    if plan is None:
        return []
    return body_map.for_plan(
        {a.area: a.depth_mm for a in plan.areas.all()},
        [r["area"] for r in (plan.engine_plan or {}).get("removed_areas", [])],
        choosable=choosable,
        charted={e.area: e.depth_mm for e in entries},
    )


def _signer(request: HttpRequest, appt: Appointment) -> dict[str, Any]:
    """What signing would record (the service decides; this only shows it before the click)."""
    me = membership_of(request)
    own = me.pk == appt.practitioner_id
    return {
        "may_sign": own or me.role == Role.OWNER,
        "signature": me.name if own else f"{me.name} (owner) for practitioner {appt.practitioner.name}",
        "practitioner": appt.practitioner.name,
    }


def _sign_form(request: HttpRequest, appt: Appointment, data: Any = None) -> SignForm:
    own = membership_of(request).pk == appt.practitioner_id
    return SignForm(data, practitioner="" if own else appt.practitioner.name)


def _usable(clinic: Clinic, appt: Appointment, now: datetime) -> dict[str, list[Lot]]:
    return {
        str(kind): list(selectors.usable_lots(clinic, appt.location, kind, now=now))
        for kind in (LotKind.CARTRIDGE, LotKind.PRODUCT)
    }


def _clock_times(appt: Appointment, c: selectors.NumbingClock) -> dict[str, datetime | None]:
    return {
        "applied": _local(appt, c.application.applied_at) if c.application else None,
        "ready": _local(appt, c.ready_at),
        "until": _local(appt, c.effective_until),
        "latest": _local(appt, c.effective_until_latest),
    }


@staff_view(*ALL_STAFF)
def treatment_day(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, appointment_or_404(request, pk, "view treatment day"))


@staff_view(*ALL_STAFF)
def numbing_clock(request: HttpRequest, pk: int) -> HttpResponse:
    """The clock alone: an htmx poll swaps it in; without JavaScript it is a page that the
    browser reloads by itself (Refresh header) while the clock runs."""
    appt = appointment_or_404(request, pk, "view numbing clock")
    c = selectors.numbing_clock(appt, now=clock.now())
    context = {
        "appt": appt,
        "clock": c,
        "clock_times": _clock_times(appt, c),
        "refresh": CLOCK_REFRESH_SECONDS,
    }
    partial = request.headers.get("HX-Request") == "true"
    response = render(request, "treatments/_clock.html" if partial else "treatments/clock.html", context)
    if not partial and c.is_running:
        response["Refresh"] = str(CLOCK_REFRESH_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _fail(
    request: HttpRequest, appt: Appointment, form_name: str, form: forms.Form, exc: TreatmentError
) -> HttpResponse:
    apply_to_form(form, exc)
    return _page(request, appt, status=exc.status, **{form_name: form})


def _done(request: HttpRequest, appt: Appointment, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("treatment-day", pk=appt.pk)


def _submit(
    request: HttpRequest,
    appt: Appointment,
    form_name: str,
    form: forms.Form,
    action: Callable[[dict[str, Any]], object],
    success: str,
) -> HttpResponse:
    """Run a day-page form: invalid (400) or refused input comes back on the page under
    ``form_name`` with the input kept; otherwise ``action`` ran and the day page says ``success``."""
    if not form.is_valid():
        return _page(request, appt, status=400, **{form_name: form})
    try:
        action(form.cleaned_data)
    except TreatmentError as exc:
        return _fail(request, appt, form_name, form, exc)
    return _done(request, appt, success)


def _flash_outcome(
    request: HttpRequest, appt: Appointment, action: Callable[[], object], success: str
) -> HttpResponse:
    """Run a form-less action: its refusal or its success is a flash message on the day page."""
    try:
        action()
    except TreatmentError as exc:
        messages.error(request, exc.message)
        return redirect("treatment-day", pk=appt.pk)
    return _done(request, appt, success)


@require_POST
@staff_view(action=Action.CHECK_IN)
def check_in(request: HttpRequest, pk: int) -> HttpResponse:
    appt = appointment_or_404(request, pk, "check in")
    return _flash_outcome(
        request,
        appt,
        lambda: services.check_in(clinic_of(request), membership_of(request), appt, now=clock.now()),
        "Checked in.",
    )


@require_POST
@staff_view(action=Action.RECORD_NUMBING)
def record_numbing(request: HttpRequest, pk: int) -> HttpResponse:
    appt = appointment_or_404(request, pk, "record numbing")
    areas, _ = _plan_areas(appt)
    plan = services.plan_of(appt)
    form = NumbingForm(request.POST, areas=areas, default_agent=_agent_of(plan))
    if not form.is_valid():
        return _page(request, appt, status=400, numbing_form=form)
    now = clock.now()
    c = form.cleaned_data
    try:
        services.record_numbing(
            clinic_of(request),
            membership_of(request),
            appt,
            areas=c["areas"],
            applied_at=form.applied_at(appt.location, now),
            amount_g=c.get("amount_g"),
            agent=c["agent"],
            notes=c.get("notes", ""),
            now=now,
        )
    except TreatmentError as exc:
        return _fail(request, appt, "numbing_form", form, exc)
    return _done(request, appt, "Numbing recorded: the clock is running.")


@require_POST
@staff_view(action=Action.RECORD_NUMBING)
def numbing_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that the cream was wiped off (before needling). The time cannot be changed
    afterwards, so a post without ``confirm=yes`` (the day page's two-step button sends it)
    answers a confirmation page instead of recording anything: no JavaScript needed."""
    application = get_object_or_404(NumbingApplication.objects.for_clinic(clinic_of(request)), pk=pk)
    appt = appointment_or_404(request, application.appointment_id, "record numbing removed")
    clinic, actor = clinic_of(request), membership_of(request)
    if request.POST.get("confirm") != "yes":
        return render(
            request,
            "treatments/confirm_removal.html",
            {"appt": appt, "application": application, "applied": _local(appt, application.applied_at)},
        )
    return _flash_outcome(
        request,
        appt,
        lambda: services.remove_numbing(clinic, actor, application, now=clock.now()),
        "Cream removal recorded.",
    )


@require_POST
@staff_view(action=Action.CHART)
def chart_entry_add(request: HttpRequest, pk: int) -> HttpResponse:
    clinic, actor, now = clinic_of(request), membership_of(request), clock.now()
    appt = appointment_or_404(request, pk, "chart treatment")
    areas, recommended = _plan_areas(appt)
    usable = _usable(clinic, appt, now)
    form = ChartEntryForm(
        request.POST, clinic=clinic, appointment=appt, areas=areas, usable=usable, recommended=recommended
    )
    if not form.is_valid():
        return _page(request, appt, status=400, entry_form=form)
    c = form.cleaned_data
    try:
        chart = services.start_chart(clinic, actor, appt, now=now)
        entry = services.add_chart_entry(
            clinic,
            actor,
            chart,
            services.ChartEntryInput(
                area=c["area"],
                device=c["device"],
                cartridge_lot=c["cartridge_lot"],
                passes=c["passes"],
                endpoint=c["endpoint"],
                pain_score=c["pain_score"],
                depth_mm=c.get("depth_mm"),
                override_reason=c.get("override_reason", ""),
                product_lot=c.get("product_lot"),
                reactions=c.get("reactions", []),
                reaction_notes=c.get("reaction_notes", ""),
            ),
            now=now,
        )
    except TreatmentError as exc:
        return _fail(request, appt, "entry_form", form, exc)
    return _done(request, appt, f"{entry.area_name} charted at {entry.depth_mm} mm.")


@require_POST
@staff_view(action=Action.CHART)
def chart_entry_remove(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(
        ChartEntry.objects.for_clinic(clinic_of(request)).select_related("chart"), pk=pk
    )
    appt = appointment_or_404(request, entry.chart.appointment_id, "remove chart entry")
    return _flash_outcome(
        request,
        appt,
        lambda: services.remove_chart_entry(clinic_of(request), membership_of(request), entry),
        f"{entry.area_name} removed; its lots are back in stock.",
    )


def _chart_or_404(request: HttpRequest, appt: Appointment) -> Chart:
    chart = selectors.chart_for_appointment(clinic_of(request), appt)
    if chart is None:
        raise Http404("No chart yet.")
    return chart


@require_POST
@staff_view(action=Action.SIGN_CHART)
def chart_sign(request: HttpRequest, pk: int) -> HttpResponse:
    clinic, actor = clinic_of(request), membership_of(request)
    appt = appointment_or_404(request, pk, "sign chart")
    chart = _chart_or_404(request, appt)
    return _submit(
        request,
        appt,
        "sign_form",
        _sign_form(request, appt, request.POST),
        lambda c: services.sign_chart(clinic, actor, chart, now=clock.now()),
        "Chart signed and locked; the session is completed. Corrections are now addenda.",
    )


@require_POST
@staff_view(action=Action.CHART)
def chart_addendum(request: HttpRequest, pk: int) -> HttpResponse:
    clinic, actor = clinic_of(request), membership_of(request)
    appt = appointment_or_404(request, pk, "add chart addendum")
    chart = _chart_or_404(request, appt)
    return _submit(
        request,
        appt,
        "addendum_form",
        AddendumForm(request.POST, chart=chart),
        lambda c: services.add_addendum(
            clinic, actor, chart, text=c["text"], entry=c.get("entry"), now=clock.now()
        ),
        "Addendum added; the signed chart is unchanged.",
    )


@require_POST
@staff_view(action=Action.CHART)
def photo_add(request: HttpRequest, pk: int) -> HttpResponse:
    clinic, actor = clinic_of(request), membership_of(request)
    appt = appointment_or_404(request, pk, "add treatment photo")
    areas, _ = _plan_areas(appt)
    return _submit(
        request,
        appt,
        "photo_form",
        PhotoForm(request.POST, request.FILES, areas=areas),
        lambda c: services.add_photo(
            clinic,
            actor,
            appt,
            area=c["area"],
            view=c["view"],
            phase=c["phase"],
            upload=c["image"],
            now=clock.now(),
        ),
        "Photo saved (location data and camera details removed).",
    )
