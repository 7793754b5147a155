"""Payment webhooks: `payment.succeeded`, `payment.refunded`, `invoice.issued`. Like the other
events, payloads carry identifiers, amounts and codes only: no names, emails, bill-to details,
references or refund reasons (free text a person typed); the receiver fetches more through the
API (payments:read) if it is entitled to."""

from __future__ import annotations

from typing import Any

from needlepoint.clinic import events

from .events import emit


def tender_data(tender: Any) -> dict[str, Any]:
    return {
        "tender_id": tender.pk,
        "client_id": tender.client_id,
        "invoice_id": tender.invoice_id,
        "appointment_id": tender.appointment_id,
        "location_id": tender.location_id,
        "method": tender.method,
        "purpose": tender.purpose,
        "amount_minor": tender.amount_minor,
        "currency": tender.currency,
        "created_at": tender.created_at,
    }


def invoice_data(invoice: Any) -> dict[str, Any]:
    return {
        "invoice_id": invoice.pk,
        "number": invoice.number,
        "number_text": invoice.number_text,
        "client_id": invoice.client_id,
        "appointment_id": invoice.appointment_id,
        "location_id": invoice.location_id,
        "practitioner_id": invoice.practitioner_id,
        "currency": invoice.currency,
        "net_minor": invoice.net_minor,
        "tax_minor": invoice.tax_minor,
        "total_minor": invoice.total_minor,
        "credit_minor": invoice.credit_minor,
        "tip_minor": invoice.tip_minor,
        "issued_at": invoice.issued_at,
    }


def _succeeded(event: events.PaymentRecorded) -> None:
    emit(event.clinic_id, "payment.succeeded", tender_data(event.tender))


def _refunded(event: events.PaymentRefunded) -> None:
    emit(
        event.clinic_id,
        "payment.refunded",
        {**tender_data(event.tender), "refunded_minor": event.amount_minor},
    )


def _issued(event: events.InvoiceIssued) -> None:
    emit(event.clinic_id, "invoice.issued", invoice_data(event.invoice))


def register() -> None:
    events.subscribe(events.PaymentRecorded, _succeeded)
    events.subscribe(events.PaymentRefunded, _refunded)
    events.subscribe(events.InvoiceIssued, _issued)
