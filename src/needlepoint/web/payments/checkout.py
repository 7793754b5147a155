"""The till: check out one visit (treatment lines, products, package credit, deposit, discount,
tip, split tenders), its live total (an htmx partial), then the invoice page. The figures come
from clinic.payments (checkout_preview, checkout.check_out); this module only parses and shows."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from needlepoint import clock
from needlepoint.clinic.booking.models import Appointment, AppointmentStatus
from needlepoint.clinic.errors import DomainError, NotAllowed, NotFound
from needlepoint.clinic.payments import checkout, processor, selectors
from needlepoint.clinic.payments.catalogue import products_with_stock
from needlepoint.clinic.payments.checkout_preview import Preview, preview, spread_discount
from needlepoint.clinic.payments.models import DepositRequest, DepositStatus, Invoice, ItemKind, Tender
from needlepoint.clinic.permissions import Action
from needlepoint.web.access import membership_of, staff_view
from needlepoint.web.appointment_access import staff_appointment
from needlepoint.web.errors import apply_to_form

from .forms import KINDS_WITH_TAX, CheckoutForm

#: A visit can be checked out once the client is here (and not after a cancellation).
CHECKOUT_STATUSES = (AppointmentStatus.CHECKED_IN, AppointmentStatus.COMPLETED)


def card_on_file(clinic_id: int, client_id: int) -> bool:
    proc = processor.processor_for(clinic_id)
    return proc is not None and proc.has_card(client_id)


def _deposit(appt: Appointment) -> int:
    held = DepositRequest.objects.filter(appointment=appt, status=DepositStatus.PAID).first()
    return held.amount_minor if held else 0


def _form(request: HttpRequest, appt: Appointment, data: Any = None) -> CheckoutForm:
    packages = [(p, selectors.credits_left(p)) for p in selectors.active_packages(appt.client)]
    return CheckoutForm(
        data,
        currency=appt.clinic.currency,
        suggested=checkout.suggested_lines(appt),
        products=products_with_stock(appt.clinic_id, appt.location),
        packages=[(p, n) for p, n in packages if n > 0],
        card_on_file=card_on_file(appt.clinic_id, appt.client_id),
    )


def _figures(appt: Appointment, form: CheckoutForm) -> Preview:
    """The live total for a valid form (refusals, e.g. a discount without a reason, raise)."""
    settings = selectors.settings_for(appt.clinic_id)
    lines = spread_discount(
        form.lines(), form.minor("discount"), form.cleaned_data.get("discount_reason", "")
    )
    return preview(
        lines,
        rates={kind: settings.rate_for(kind) for kind in KINDS_WITH_TAX},
        inclusive=settings.prices_include_tax,
        tip_minor=form.minor("tip"),
        package_covers_treatment=bool(form.cleaned_data.get("client_package")),
        deposit_minor=_deposit(appt),
        paying_minor=sum(t.amount_minor for t in form.tenders()),
    )


def _appointment(request: HttpRequest, pk: int) -> Appointment:
    appt = staff_appointment(request, pk, "check out")
    if appt.status not in CHECKOUT_STATUSES:
        raise NotFound("This visit cannot be checked out.")
    return appt


def _page(
    request: HttpRequest, appt: Appointment, form: CheckoutForm, figures: Preview | None
) -> HttpResponse:
    return render(
        request,
        "payments/checkout.html",
        {
            "appt": appt,
            "form": form,
            "figures": figures,
            "currency": appt.clinic.currency,
            "deposit": _deposit(appt),
            "tax_name": selectors.settings_for(appt.clinic_id).tax_name,
            "treatment_kind": ItemKind.TREATMENT,
        },
        status=400 if form.errors else 200,
    )


@staff_view(action=Action.TAKE_PAYMENT)
def checkout_page(request: HttpRequest, pk: int) -> HttpResponse:
    appt = _appointment(request, pk)
    if (done := selectors.invoice_of(appt)) is not None:
        messages.info(request, f"This visit is already checked out: invoice {done.number_text}.")
        return redirect("invoice-detail", pk=done.pk)
    if request.method != "POST":
        form = _form(request, appt)
        return _page(request, appt, form, _initial_figures(appt, form))
    form = _form(request, appt, request.POST)
    if not form.is_valid():
        return _page(request, appt, form, None)
    key = f"checkout:{appt.pk}:{form.cleaned_data['idempotency_key']}"
    try:
        figures = _figures(appt, form)
        lines = [p.spec for p in figures.lines]
        package = form.cleaned_data.get("client_package")
        result = checkout.check_out(
            appt,
            checkout.CheckoutSpec(
                lines=lines,
                tenders=form.tenders(),
                tip_minor=form.minor("tip"),
                client_package_id=package.pk if package else None,
                idempotency_key=key,
            ),
            actor=membership_of(request),
            now=clock.now(),
        )
    except (NotAllowed, NotFound):
        raise
    except DomainError as exc:
        # A double submit that lost the race to its twin: show the invoice the twin made.
        if (
            twin := Invoice.objects.filter(clinic_id=appt.clinic_id, idempotency_key=key).first()
        ) is not None:
            return redirect("invoice-detail", pk=twin.pk)
        apply_to_form(form, exc)
        return _page(request, appt, form, None)
    transaction.on_commit(lambda: _collect(request, result.pending))
    messages.success(request, f"Invoice {result.invoice.number_text} issued.")
    return redirect("invoice-detail", pk=result.invoice.pk)


def _collect(request: HttpRequest, pending: list[Tender]) -> None:
    """Charge the card-on-file tenders once the invoice is committed (never inside it: a slow
    processor must not hold the till's locks, and a rolled-back checkout must charge nothing)."""
    for tender in pending:
        try:
            outcome = processor.collect(tender, off_session=False)
        except DomainError as exc:
            messages.error(request, exc.message)
            continue
        if outcome.status == "succeeded":
            messages.success(request, "The card on file was charged.")
        elif outcome.status in ("failed", "requires_action"):
            messages.error(request, f"The card was not charged: {outcome.message or 'declined'}.")
        else:
            messages.warning(request, "The card charge is still being confirmed; the page will show it.")


def _initial_figures(appt: Appointment, form: CheckoutForm) -> Preview:
    settings = selectors.settings_for(appt.clinic_id)
    return preview(
        form.suggested,
        rates={kind: settings.rate_for(kind) for kind in KINDS_WITH_TAX},
        inclusive=settings.prices_include_tax,
        deposit_minor=_deposit(appt),
    )


@require_POST
@staff_view(action=Action.TAKE_PAYMENT)
def checkout_total(request: HttpRequest, pk: int) -> HttpResponse:
    """The live total (htmx): always 200, so htmx swaps it in; problems are shown in it."""
    appt = _appointment(request, pk)
    form = _form(request, appt, request.POST)
    problems: list[str] = []
    figures = None
    if form.is_valid():
        try:
            figures = _figures(appt, form)
        except DomainError as exc:
            problems = [exc.message]
    else:
        problems = [str(e) for errors in form.errors.values() for e in errors]
    return render(
        request,
        "payments/_totals.html",
        {"figures": figures, "problems": problems, "currency": appt.clinic.currency, "appt": appt},
    )
