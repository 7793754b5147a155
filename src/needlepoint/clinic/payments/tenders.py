"""Money in and money back: recording a tender in the ledger exactly once, paid-elsewhere
payments on account, and refunds. Stripe's module calls the same functions when the processor
confirms, so the ledger has one way in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Sum

from needlepoint.clinic import events
from needlepoint.clinic.accounts.models import Membership
from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.errors import Conflict, InvalidInput
from needlepoint.clinic.permissions import Action, Actor, membership_of, require, require_staff

from . import ledger
from .models import PAID_ELSEWHERE, Account, EntryKind, Invoice, LedgerEntry, Method, Tender, TenderStatus


@dataclass(frozen=True)
class TenderSpec:
    method: str
    amount_minor: int
    reference: str = ""


def validate_tender(spec: TenderSpec, index: int = 0, *, allow_processor: bool = True) -> None:
    where = f"tenders.{index}"
    allowed = [*PAID_ELSEWHERE, Method.STRIPE] if allow_processor else list(PAID_ELSEWHERE)
    if spec.method not in allowed:
        raise InvalidInput(f"'{spec.method}' is not a way to pay here.", field=where)
    if spec.amount_minor <= 0:
        raise InvalidInput("A payment must be more than zero.", field=where)


def new_tender(
    client: Client,
    spec: TenderSpec,
    *,
    at: datetime,
    by: Membership | None,
    purpose: str = "payment",
    invoice: Invoice | None = None,
    appointment: Appointment | None = None,
    status: str = TenderStatus.SUCCEEDED,
    key: str | None = None,
) -> Tender:
    tender = Tender.objects.create(
        clinic_id=client.clinic_id,
        client=client,
        invoice=invoice,
        appointment=appointment,
        location_id=appointment.location_id if appointment else (invoice.location_id if invoice else None),
        method=spec.method,
        purpose=purpose,
        amount_minor=spec.amount_minor,
        currency=client.clinic.currency,
        status=status,
        reference=spec.reference.strip()[:120],
        recorded_by=by,
        created_at=at,
        idempotency_key=key,
    )
    if status == TenderStatus.SUCCEEDED:
        settle(tender, at=at)
    return tender


def settle(tender: Tender, *, at: datetime) -> LedgerEntry | None:
    """Post a succeeded tender to the ledger once (keyed by the tender), publish PaymentRecorded.
    Called again for the same tender (a webhook after the synchronous answer, a worker after a
    crash) it does nothing and returns None."""
    key = f"tender:{tender.pk}"
    if LedgerEntry.objects.filter(clinic_id=tender.clinic_id, idempotency_key=key).exists():
        return None
    if tender.status != TenderStatus.SUCCEEDED:
        Tender.objects.filter(pk=tender.pk).update(status=TenderStatus.SUCCEEDED, failure_message="")
        tender.status = TenderStatus.SUCCEEDED
    deposit = tender.purpose == "deposit"
    entry = ledger.post(
        tender.client,
        ledger.Posting(
            Account.DEPOSIT if deposit else Account.RECEIVABLE,
            EntryKind.DEPOSIT_PAID if deposit else EntryKind.PAYMENT,
            tender.amount_minor if deposit else -tender.amount_minor,
            tender.method,
        ),
        at=at,
        currency=tender.currency,
        by=tender.recorded_by,
        key=key,
        tender=tender,
        invoice=tender.invoice,
        appointment=tender.appointment,
        location_id=tender.location_id,
        reference=tender.reference or tender.processor_id,
    )
    events.publish(events.PaymentRecorded(clinic_id=tender.clinic_id, tender=tender))
    return entry


def fail(tender: Tender, message: str) -> None:
    """A processor refused the tender: nothing is posted; the amount stays owed."""
    Tender.objects.filter(pk=tender.pk).update(status=TenderStatus.FAILED, failure_message=message[:300])
    tender.status = TenderStatus.FAILED
    tender.failure_message = message[:300]
    events.publish(
        events.PaymentFailed(
            clinic_id=tender.clinic_id, tender=tender, purpose=tender.purpose, message=message
        )
    )


def record_payment(
    client: Client,
    spec: TenderSpec,
    *,
    actor: Actor,
    now: datetime,
    invoice: Invoice | None = None,
    key: str | None = None,
) -> Tender:
    """A paid-elsewhere payment on the client's account (cash, terminal, transfer), e.g. paying
    an outstanding balance. Refuses paying more than is owed."""
    member = require_staff(actor, Action.TAKE_PAYMENT, client, objs=[invoice] if invoice else [])
    validate_tender(spec, allow_processor=False)
    with transaction.atomic():
        if key and (done := Tender.objects.filter(clinic_id=client.clinic_id, idempotency_key=key).first()):
            return done
        Client.objects.select_for_update().filter(pk=client.pk).first()  # one till per client at once
        owed = ledger.invoice_balance(invoice.pk) if invoice else ledger.balance(client)
        if spec.amount_minor > owed:
            raise InvalidInput("That is more than is owed.", field="amount", code="overpayment")
        return new_tender(client, spec, at=now, by=member, invoice=invoice, key=key)


def refunded_so_far(tender: Tender) -> int:
    kinds = [EntryKind.REFUND, EntryKind.DEPOSIT_REFUNDED]
    total = LedgerEntry.objects.filter(tender=tender, kind__in=kinds).aggregate(t=Sum("amount_minor"))["t"]
    return abs(int(total or 0))


def refundable(tender: Tender) -> int:
    if tender.status != TenderStatus.SUCCEEDED:
        return 0
    return tender.amount_minor - refunded_so_far(tender)


def check_refund(tender: Tender, amount_minor: int, *, actor: Actor) -> Membership | None:
    require(actor, Action.REFUND, tender)
    if amount_minor <= 0:
        raise InvalidInput("A refund must be more than zero.", field="amount")
    left = refundable(tender)
    if amount_minor > left:
        raise InvalidInput(
            "That is more than can be refunded on this payment."
            if left
            else "Nothing is left to refund on this payment.",
            field="amount",
            code="refund_too_large",
        )
    return membership_of(actor)


def record_refund(
    tender: Tender,
    amount_minor: int,
    *,
    reason: str,
    by: Membership | None,
    at: datetime,
    key: str | None = None,
) -> LedgerEntry:
    """Post money given back on `tender`. For a payment, a credit note cancels the same amount of
    the charge (the service is not owed any more); for a deposit, the deposit held goes down."""
    if tender.purpose == "deposit":
        return ledger.post(
            tender.client,
            ledger.Posting(Account.DEPOSIT, EntryKind.DEPOSIT_REFUNDED, -amount_minor, tender.method),
            at=at,
            currency=tender.currency,
            by=by,
            key=key,
            tender=tender,
            appointment=tender.appointment,
            memo=reason[:200],
        )
    entry = ledger.post(
        tender.client,
        ledger.Posting(Account.RECEIVABLE, EntryKind.REFUND, amount_minor, tender.method),
        at=at,
        currency=tender.currency,
        by=by,
        key=key,
        tender=tender,
        invoice=tender.invoice,
        appointment=tender.appointment,
        location_id=tender.location_id,
        memo=reason[:200],
    )
    ledger.post(
        tender.client,
        ledger.Posting(Account.RECEIVABLE, EntryKind.CREDIT_NOTE, -amount_minor),
        at=at,
        currency=tender.currency,
        by=by,
        key=f"{key}:note" if key else None,
        tender=tender,
        invoice=tender.invoice,
        appointment=tender.appointment,
        location_id=tender.location_id,
        memo=reason[:200],
    )
    return entry


def refund_paid_elsewhere(
    tender: Tender, amount_minor: int, *, reason: str, actor: Actor, now: datetime
) -> LedgerEntry:
    """Refund a cash/terminal/transfer payment (the money is handed back outside Needlepoint).
    Stripe refunds go through stripe_payments.refund, which calls ``record_refund`` on success."""
    if tender.method not in PAID_ELSEWHERE:
        raise Conflict("Card payments are refunded through the processor.", code="use_processor")
    if not reason.strip():
        raise InvalidInput("Say why the money is refunded.", field="reason")
    with transaction.atomic():
        locked = Tender.objects.select_for_update().get(pk=tender.pk)
        by = check_refund(locked, amount_minor, actor=actor)
        entry = record_refund(locked, amount_minor, reason=reason, by=by, at=now)
        events.publish(
            events.PaymentRefunded(
                clinic_id=locked.clinic_id, tender=locked, amount_minor=amount_minor, reason=reason
            )
        )
        return entry
