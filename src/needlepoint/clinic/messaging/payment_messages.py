"""Messages about money: the receipt after an invoice is issued, and the "card failed" notice
when a membership or fee charge did not go through. Messaging reacts to the payments events
(subscribers.py); payments never calls messaging.

The receipt is queued when the invoice is issued (inside checkout's transaction, so a refused
checkout sends nothing), before the till has recorded the payments; its body is therefore
written again when the worker sends it (a composer), so the email shows what was paid by then.
Both are service messages about the client's own money, sent by email to clients who agreed to
email (``consent_email``), like every other client message."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse

from needlepoint.clinic import events
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.payments.invoice_summary import summarise
from needlepoint.clinic.payments.models import Invoice
from needlepoint.clinic.payments.money import format_minor

from .backends import PermanentError
from .models import Kind, OutboxMessage
from .services import queue_email
from .templates import render_wording, wording_for

RECEIPT_KEY = "receipt."
FAILED_KEY = "payment_failed."
#: Charges the client did not make at the desk: a failure needs them to act (update the card).
NOTIFIED_PURPOSES = frozenset({"membership", "fee"})
_PURPOSE_TEXT = {"membership": "membership", "fee": "fee"}


def _emailable(client: Client) -> bool:
    return bool(client.consent_email and client.email)


def _receipt_context(invoice: Invoice) -> dict[str, str]:
    s = summarise(invoice)
    cur = invoice.currency
    zone = ZoneInfo(invoice.location.timezone if invoice.location else "UTC")
    lines = [
        f"- {line.description}"
        + (f" x{line.quantity}" if line.quantity > 1 else "")
        + f": {format_minor(line.gross_minor, cur)}"
        + (" (package credit)" if line.credit_minor else "")
        for line in s.lines
    ]
    if invoice.tip_minor:
        lines.append(f"- Tip: {format_minor(invoice.tip_minor, cur)}")
    paid = [
        f"- {row.tender.get_method_display()}: {format_minor(row.tender.amount_minor, cur)}"
        for row in s.tenders
        if row.tender.status == "succeeded"
    ]
    if s.deposit_applied:
        paid.append(f"- Deposit: {format_minor(s.deposit_applied, cur)}")
    if invoice.credit_minor:
        paid.append(f"- Package credit: {format_minor(invoice.credit_minor, cur)}")
    return {
        "first_name": invoice.client.first_name,
        "clinic": invoice.clinic.name,
        "invoice_number": invoice.number_text,
        "issued_on": f"{invoice.issued_at.astimezone(zone):%d %B %Y}",
        "receipt_lines": "\n".join(lines),
        "total": format_minor(invoice.total_minor, cur),
        "tax": f"{invoice.tax_name or 'Tax'} {format_minor(invoice.tax_minor, cur)}",
        "payments": "\n".join(paid) or "- none yet",
        "balance": format_minor(max(s.balance, 0), cur),
    }


def _receipt(invoice: Invoice) -> tuple[str, str]:
    wording = wording_for(invoice.clinic_id, Kind.RECEIPT, invoice.clinic.locale)
    subject, body, _ = render_wording(wording, Kind.RECEIPT, _receipt_context(invoice))
    return subject, body


def on_invoice_issued(event: events.InvoiceIssued) -> None:
    invoice = event.invoice
    if not _emailable(invoice.client):
        return
    subject, body = _receipt(invoice)
    queue_email(
        invoice.clinic_id,
        invoice.bill_to_email or invoice.client.email,
        " ".join(subject.split()),
        body,
        kind=Kind.RECEIPT,
        key=f"{RECEIPT_KEY}{invoice.pk}",
        client=invoice.client,
    )


def compose_receipt(message: OutboxMessage) -> str:
    """The receipt as it stands when sent: the payments recorded after the invoice included."""
    pk = message.idempotency_key.removeprefix(RECEIPT_KEY)
    invoice = (
        Invoice.objects.filter(pk=int(pk) if pk.isdigit() else 0, clinic_id=message.clinic_id)
        .select_related("client", "clinic", "location")
        .first()
    )
    if invoice is None:
        raise PermanentError("the invoice of this receipt no longer exists")
    return _receipt(invoice)[1]


def card_url(client: Client) -> str:
    """Where the client saves a new card: the portal's card page."""
    path = reverse("portal-money-card", kwargs={"slug": client.clinic.slug})
    return getattr(settings, "NEEDLEPOINT_BASE_URL", "").rstrip("/") + path


def on_payment_failed(event: events.PaymentFailed) -> None:
    if event.purpose not in NOTIFIED_PURPOSES:
        return
    tender = event.tender
    client = tender.client
    if not _emailable(client):
        return
    context = {
        "first_name": client.first_name,
        "clinic": client.clinic.name,
        "amount": format_minor(tender.amount_minor, tender.currency),
        "purpose": _PURPOSE_TEXT.get(event.purpose, event.purpose),
        "reason": (event.message or "the card was declined")[:300],
        "card_url": card_url(client),
    }
    wording = wording_for(client.clinic_id, Kind.PAYMENT_FAILED, client.clinic.locale)
    subject, body, _ = render_wording(wording, Kind.PAYMENT_FAILED, context)
    queue_email(
        client.clinic_id,
        client.email,
        " ".join(subject.split()),
        body,
        kind=Kind.PAYMENT_FAILED,
        key=f"{FAILED_KEY}{tender.pk}",
        client=client,
    )
