"""Cartridge and product lots per location: receive, write off, recall (owner) and the recall
trace — every client treated with the lot."""

from __future__ import annotations

from django.contrib import messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from needlepoint import clock
from needlepoint.clinic.audit.services import AccessContext, record_access
from needlepoint.clinic.permissions import Action, may
from needlepoint.clinic.treatments import selectors, services
from needlepoint.clinic.treatments.errors import TreatmentError
from needlepoint.clinic.treatments.models import Lot
from needlepoint.web.access import CLINICAL, clinic_of, membership_of, staff_view
from needlepoint.web.errors import apply_to_form
from needlepoint.web.treatments.forms import LotReceiveForm, LotUseForm, RecallForm


@staff_view(action=Action.MANAGE_LOTS)
def lot_list(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    form = LotReceiveForm(request.POST or None, clinic=clinic)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            c = form.cleaned_data
            try:
                lot = services.receive_lot(
                    clinic,
                    membership_of(request),
                    location=c["location"],
                    kind=c["kind"],
                    product_name=c["product_name"],
                    lot_number=c["lot_number"],
                    expiry=c["expiry"],
                    quantity=c["quantity"],
                    notes=c.get("notes", ""),
                    now=clock.now(),
                )
            except TreatmentError as exc:
                apply_to_form(form, exc)
                status = exc.status
            else:
                messages.success(request, f"Received: {lot} — {lot.remaining} in stock.")
                return redirect("lot-list")
        else:
            status = 400
    now = clock.now()
    rows = [
        (lot, lot.is_expired(services.local_today(lot.location, now)))
        for lot in selectors.lots(clinic, include_used_up=request.GET.get("all") == "1")
    ]
    return render(request, "treatments/lots.html", {"rows": rows, "form": form}, status=status)


def _lot(request: HttpRequest, pk: int) -> Lot:
    return get_object_or_404(Lot.objects.for_clinic(clinic_of(request)).select_related("location"), pk=pk)


def _detail(request: HttpRequest, lot: Lot, status: int = 200, **forms: object) -> HttpResponse:
    trace = selectors.recall_trace(clinic_of(request), lot)
    # The trace names clients: one access row per client shown, so each client's trail has it.
    ctx = AccessContext.from_request(request)
    for client in {row.client.pk: row.client for row in trace}.values():
        record_access(ctx, client=client, action=f"view lot trace {lot.pk}")
    return render(
        request,
        "treatments/lot_detail.html",
        {
            "lot": lot,
            "expired": lot.is_expired(services.local_today(lot.location, clock.now())),
            "trace": trace,
            "use_form": forms.get("use_form") or LotUseForm(),
            "recall_form": forms.get("recall_form") or RecallForm(),
            "may_recall": may(membership_of(request), Action.RECALL_LOT),
        },
        status=status,
    )


def _refused(request: HttpRequest, lot: Lot, form_name: str, form: Form, exc: TreatmentError) -> HttpResponse:
    """The lot page again with the service's refusal on the form that asked, input kept."""
    apply_to_form(form, exc)
    return _detail(request, lot, exc.status, **{form_name: form})


@staff_view(*CLINICAL)
def lot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _lot(request, pk))


@require_POST
@staff_view(action=Action.MANAGE_LOTS)
def lot_use(request: HttpRequest, pk: int) -> HttpResponse:
    lot = _lot(request, pk)
    form = LotUseForm(request.POST)
    if not form.is_valid():
        return _detail(request, lot, 400, use_form=form)
    try:
        services.use_lot(
            clinic_of(request), membership_of(request), lot, quantity=form.cleaned_data["quantity"]
        )
    except TreatmentError as exc:
        return _refused(request, lot, "use_form", form, exc)
    messages.success(request, "Stock updated.")
    return redirect("lot-detail", pk=lot.pk)


@require_POST
@staff_view(action=Action.RECALL_LOT)
def lot_recall(request: HttpRequest, pk: int) -> HttpResponse:
    lot = _lot(request, pk)
    form = RecallForm(request.POST)
    if not form.is_valid():
        return _detail(request, lot, 400, recall_form=form)
    try:
        result = services.recall_lot(
            clinic_of(request),
            membership_of(request),
            lot,
            reason=form.cleaned_data["reason"],
            now=clock.now(),
        )
    except TreatmentError as exc:
        return _refused(request, lot, "recall_form", form, exc)
    clients = len({row.client.pk for row in result.trace})
    messages.warning(
        request, f"Lot recalled: charting refuses it from now on. {clients} client(s) treated with it."
    )
    return redirect("lot-detail", pk=lot.pk)
