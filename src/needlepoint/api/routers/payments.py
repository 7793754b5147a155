"""Payments: invoices (with lines, tax and tenders), client and package balances, recording a
payment taken elsewhere, refunds (owners) and checking out a visit. Every write goes through
clinic.payments (the same services as the till), so roles, amounts and the ledger are checked
once. Card charges are not taken through the API: record money taken on the clinic's own
terminal as `card_terminal`."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status
from ninja.decorators import decorate_view

from needlepoint import clock
from needlepoint.clinic.audit.services import record_access
from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clients.selectors import client_for_read
from needlepoint.clinic.payments import checkout, ledger, refunds, tenders
from needlepoint.clinic.payments.invoices import LineSpec
from needlepoint.clinic.payments.models import ClientPackage, Invoice, Product, Tender
from needlepoint.clinic.payments.selectors import settings_for

from ..auth import requires
from ..context import access, actor, clinic
from ..errors import ApiError
from ..idempotency import HEADER, idempotent
from ..idempotency import OPENAPI as IDEMPOTENT_OPENAPI
from ..pagination import PageParams, paginate
from ..schemas.common import Id, Page, responses
from ..schemas.payments import (
    BalanceOut,
    CheckoutIn,
    CheckoutOut,
    InvoiceLineOut,
    InvoiceOut,
    PackageOut,
    PaymentIn,
    RefundIn,
    RefundOut,
    TenderOut,
)

router = Router(tags=["payments"])
READ, WRITE, REFUND = requires("payments:read"), requires("payments:write"), requires("payments:refund")


def tender_out(t: Tender) -> dict[str, Any]:
    out = {f: getattr(t, f) for f in TenderOut.model_fields if f != "refunded_minor"}
    return out | {"refunded_minor": tenders.refunded_so_far(t)}


LINE_FIELDS = tuple(f for f in InvoiceLineOut.model_fields if f != "areas")


def invoice_out(inv: Invoice) -> dict[str, Any]:
    plain = set(InvoiceOut.model_fields) - {"balance_minor", "lines", "tenders"}
    return {f: getattr(inv, f) for f in plain} | {
        "balance_minor": ledger.invoice_balance(inv.pk),
        "lines": [
            {f: getattr(line, f) for f in LINE_FIELDS} | {"areas": line.areas.split()}
            for line in inv.lines.all()
        ],
        "tenders": [tender_out(t) for t in inv.tenders.all()],
    }


def _invoices(request: HttpRequest) -> Any:
    return Invoice.objects.for_clinic(clinic(request)).prefetch_related(
        "lines", Prefetch("tenders", queryset=Tender.objects.order_by("created_at", "pk"))
    )


def balance_out(client: Client) -> dict[str, Any]:
    b = ledger.balances(client)
    return {
        "client_id": client.pk,
        "currency": client.clinic.currency,
        "owed_minor": b.owed,
        "deposits_held_minor": b.deposits_held,
        "package_credit_minor": b.package_credit,
    }


def package_out(p: ClientPackage) -> dict[str, Any]:
    used = [r.value_minor for r in p.redemptions.all()]
    return {
        "id": p.pk,
        "client_id": p.client_id,
        "name": p.name,
        "areas": p.areas.split(),
        "sessions_total": p.sessions_total,
        "sessions_used": len(used),
        "sessions_left": p.sessions_total - len(used),
        "price_minor": p.price_minor,
        "value_left_minor": p.price_minor - sum(used),
        "currency": p.currency,
        "status": p.status,
        "sold_at": p.sold_at,
        "expires_at": p.expires_at,
    }


@router.get("/invoices", response=responses(Page[InvoiceOut]), auth=READ)
def list_invoices(
    request: HttpRequest, page: Query[PageParams], client_id: Id | None = None
) -> dict[str, Any]:
    """Newest first; filter to one client."""
    qs = _invoices(request).order_by("-number")
    who = None
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
        who = Client.objects.for_clinic(clinic(request)).filter(pk=client_id).first()
    record_access(access(request), client=who, action="list invoices")
    return paginate(qs, page, invoice_out)


@router.get("/invoices/{invoice_id}", response=responses(InvoiceOut), auth=READ)
def get_invoice(request: HttpRequest, invoice_id: int) -> dict[str, Any]:
    inv = get_object_or_404(_invoices(request).select_related("client"), pk=invoice_id)
    record_access(access(request), client=inv.client, action="view invoice")
    return invoice_out(inv)


@router.get("/clients/{client_id}/balance", response=responses(BalanceOut), auth=READ)
def client_balance(request: HttpRequest, client_id: int) -> dict[str, Any]:
    """What the client owes (or is owed), deposits held and unused package credit."""
    return balance_out(client_for_read(access(request), client_id))


@router.get("/clients/{client_id}/packages", response=responses(list[PackageOut]), auth=READ)
def client_packages(request: HttpRequest, client_id: int) -> list[dict[str, Any]]:
    """Every package the client bought, newest first, with sessions and value left."""
    client = client_for_read(access(request), client_id)
    qs = (
        ClientPackage.objects.for_clinic(clinic(request))
        .filter(client=client)
        .prefetch_related("redemptions")
    )
    return [package_out(p) for p in qs.order_by("-sold_at", "-pk")]


@router.post(
    "/clients/{client_id}/payments",
    response=responses(TenderOut, 201),
    auth=WRITE,
    openapi_extra=IDEMPOTENT_OPENAPI,
)
@decorate_view(idempotent)
def record_payment(request: HttpRequest, client_id: int, payload: PaymentIn) -> Status[dict[str, Any]]:
    """Money taken elsewhere (cash, the clinic's terminal, a transfer) on the client's account or
    one invoice. More than is owed is refused (400 `overpayment`)."""
    client = client_for_read(access(request), client_id)
    invoice = None
    if payload.invoice_id is not None:
        invoice = (
            Invoice.objects.for_clinic(clinic(request)).filter(pk=payload.invoice_id, client=client).first()
        )
        if invoice is None:
            raise ApiError(400, "invalid", "No such invoice for this client.", {"invoice_id": ["Not found."]})
    tender = tenders.record_payment(
        client,
        tenders.TenderSpec(payload.method, payload.amount_minor, payload.reference),
        actor=actor(request),
        now=clock.now(),
        invoice=invoice,
        key=_service_key(request),
    )
    return Status(201, tender_out(tender))


@router.post(
    "/tenders/{tender_id}/refund",
    response=responses(RefundOut),
    auth=REFUND,
    openapi_extra=IDEMPOTENT_OPENAPI,
)
@decorate_view(idempotent)
def refund(request: HttpRequest, tender_id: int, payload: RefundIn) -> dict[str, Any]:
    """Owners: give back part or all of a payment (400 `refund_too_large` beyond what is left);
    a card payment goes back through the clinic's processor (409 `refund_failed` when it refuses;
    deposits and package credit are refunded by cancelling or from the package)."""
    tender = get_object_or_404(
        Tender.objects.for_clinic(clinic(request)).select_related("client"), pk=tender_id
    )
    record_access(access(request), client=tender.client, action="refund")
    refunds.refund_tender(tender, payload.amount_minor, payload.reason, actor(request), clock.now())
    tender.refresh_from_db()
    return {
        "tender": tender_out(tender),
        "refunded_minor": payload.amount_minor,
        "balance": balance_out(tender.client),
    }


def _service_key(request: HttpRequest) -> str | None:
    """The request's Idempotency-Key as the service's own key (per token), so a retry after the
    API's stored response expired still finds the first write."""
    key = request.headers.get(HEADER)
    token = getattr(request, "api_token", None)
    return f"api:{token.pk}:{key}"[:120] if key and token is not None else None


def _lines(request: HttpRequest, appt: Appointment, payload: CheckoutIn) -> list[LineSpec]:
    if payload.lines is None:
        suggested = checkout.suggested_lines(appt)
        if not suggested:
            raise ApiError(
                400,
                "invalid",
                "This visit has no planned areas with prices: send the lines.",
                {"lines": ["Required."]},
            )
        return suggested
    ids = {line.product_id for line in payload.lines if line.product_id is not None}
    products = {p.pk: p for p in Product.objects.for_clinic(clinic(request)).filter(pk__in=ids)}
    out = []
    for i, line in enumerate(payload.lines):
        product = None
        if line.product_id is not None:
            product = products.get(line.product_id)
            if product is None:
                raise ApiError(400, "invalid", "No such product.", {f"lines.{i}.product_id": ["Not found."]})
        out.append(
            LineSpec(
                kind=line.kind,
                description=line.description,
                unit_price_minor=line.unit_price_minor,
                quantity=line.quantity,
                discount_minor=line.discount_minor,
                discount_reason=line.discount_reason,
                product=product,
                areas=tuple(line.areas),
            )
        )
    return out


@router.post(
    "/appointments/{appointment_id}/checkout",
    response=responses(CheckoutOut, 201),
    auth=WRITE,
    openapi_extra=IDEMPOTENT_OPENAPI,
)
@decorate_view(idempotent)
def check_out_appointment(
    request: HttpRequest, appointment_id: int, payload: CheckoutIn
) -> Status[dict[str, Any]]:
    """Check out a visit: its lines (omitted: the planned areas at the clinic's prices), one
    package credit first, the deposit held, then payments taken elsewhere. Issues the invoice.
    409 `already_checked_out` for a visit with an invoice; 409 `out_of_stock`; 400 for a negative
    price, a discount without a reason, payments beyond what is due, another currency."""
    appt = get_object_or_404(
        Appointment.objects.for_clinic(clinic(request)).select_related("client", "clinic", "series__plan"),
        pk=appointment_id,
    )
    record_access(access(request), client=appt.client, action="check out")
    spec = checkout.CheckoutSpec(
        lines=_lines(request, appt, payload),
        tenders=[tenders.TenderSpec(t.method, t.amount_minor, t.reference) for t in payload.tenders],
        tip_minor=payload.tip_minor,
        client_package_id=payload.client_package_id,
        apply_deposit=payload.apply_deposit,
        currency=payload.currency,
        idempotency_key=_service_key(request),
    )
    settings_for(appt.clinic_id)  # created outside the till's lock on first use
    result = checkout.check_out(appt, spec, actor=actor(request), now=clock.now())
    inv = _invoices(request).get(pk=result.invoice.pk)
    return Status(
        201,
        {
            "invoice": invoice_out(inv),
            "deposit_applied_minor": result.deposit_applied,
            "credit_applied_minor": result.credit_applied,
            "owed_minor": result.owed,
        },
    )
