"""The cancellation policy: what a cancellation or a no-show costs, decided automatically.

Cancelled with enough notice: a held deposit goes back (by card through the processor, or,
paid elsewhere, posted as owed back to the client). Inside the notice period, or a no-show:
the deposit is forfeited; with no deposit, the policy's fee is posted and, when the clinic has
a processor, charged off-session to the card on file after the booking commits (declined or
SCA needed: PaymentFailed, the fee stays owed). Owners may waive a fee or a forfeit: new
ledger entries, never edits.

The notice is measured in real elapsed time (aware instants, compared in UTC), so a DST change
between the cancellation and the visit neither adds nor removes an hour. This module is also
where the booking app's late-cancellation flag now comes from: the subscriber writes the
decided ``late_cancellation``/``fee_due`` back onto the appointment.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction

from needlepoint import clock
from needlepoint.clinic import events
from needlepoint.clinic.accounts.models import Membership
from needlepoint.clinic.booking.engine import policy_for as booking_policy_for
from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.errors import Conflict, InvalidInput
from needlepoint.clinic.permissions import Action, Actor, require_staff

from . import ledger, processor
from .deposits import deposit_for, policy_for
from .models import (
    Account,
    DepositRequest,
    DepositStatus,
    EntryKind,
    LedgerEntry,
    Method,
    Tender,
    TenderStatus,
)
from .money import from_decimal, to_major
from .tenders import TenderSpec, new_tender, record_refund, refundable

log = logging.getLogger(__name__)

LATE = "late"
NO_SHOW = "no_show"


@dataclass(frozen=True)
class Terms:
    notice: timedelta
    late_fee_minor: int
    no_show_fee_minor: int


def terms_for(appointment: Appointment) -> Terms:
    """The type's policy; where it leaves the notice or the late fee blank, the clinic's
    booking policy (so a clinic that sets nothing keeps the rule it had)."""
    policy = policy_for(appointment)
    booking = booking_policy_for(appointment.clinic)
    hours = booking.cancellation_notice_hours
    late_fee = from_decimal(booking.late_cancellation_fee, appointment.clinic.currency)
    no_show = 0
    if policy is not None:
        hours = policy.notice_hours if policy.notice_hours is not None else hours
        late_fee = policy.late_fee_minor if policy.late_fee_minor is not None else late_fee
        no_show = policy.no_show_fee_minor
    return Terms(timedelta(hours=hours), int(late_fee), int(no_show))


def is_late(appointment: Appointment, at: datetime, terms: Terms | None = None) -> bool:
    """Cancelled inside the notice period: less real time than the notice is left."""
    terms = terms or terms_for(appointment)
    # Both in UTC: Python subtracts two datetimes of the same zone by their wall clocks, which
    # would gain or lose the DST hour.
    return appointment.start.astimezone(UTC) - at.astimezone(UTC) < terms.notice


@dataclass(frozen=True)
class Decision:
    late: bool
    outcome: str  # refunded | forfeited | fee | released | nothing
    fee_minor: int = 0


def decide_cancellation(appointment: Appointment, *, at: datetime, waived: bool = False) -> Decision:
    """Apply the policy to a cancellation (the AppointmentCancelled subscriber). `waived`: the
    owner waived the penalty when cancelling, or the clinic moved the client (waitlist)."""
    terms = terms_for(appointment)
    late = is_late(appointment, at, terms)
    decision = _settle(appointment, penalise=late and not waived, fee=terms.late_fee_minor, kind=LATE, at=at)
    decision = Decision(late, decision.outcome, decision.fee_minor)
    _flag(appointment, late=late, fee_minor=decision.fee_minor)
    return decision


def decide_no_show(appointment: Appointment, *, at: datetime) -> Decision:
    terms = terms_for(appointment)
    decision = _settle(appointment, penalise=True, fee=terms.no_show_fee_minor, kind=NO_SHOW, at=at)
    _flag(appointment, late=None, fee_minor=decision.fee_minor)
    return decision


def _settle(appointment: Appointment, *, penalise: bool, fee: int, kind: str, at: datetime) -> Decision:
    deposit = DepositRequest.objects.select_for_update().filter(appointment=appointment).first()
    if deposit is not None and deposit.status == DepositStatus.PAID:
        if penalise:
            _forfeit(deposit, at=at, reason="no-show" if kind == NO_SHOW else "late cancellation")
            return Decision(True, "forfeited")
        refund_deposit(deposit, reason="cancelled with notice", by=None, at=at)
        return Decision(False, "refunded")
    if deposit is not None and deposit.status == DepositStatus.DUE:
        DepositRequest.objects.filter(pk=deposit.pk).update(status=DepositStatus.RELEASED, settled_at=at)
    if penalise and fee > 0:
        post_fee(appointment, fee, kind=kind, at=at)
        return Decision(True, "fee", fee)
    return Decision(penalise, "released" if deposit is not None else "nothing")


def _flag(appointment: Appointment, *, late: bool | None, fee_minor: int) -> None:
    """The booking app's flag, from this policy (the appointment page and the API show it)."""
    fields: dict[str, object] = {"fee_due": to_major(fee_minor, appointment.clinic.currency)}
    if late is not None:
        fields["late_cancellation"] = late
    Appointment.objects.filter(pk=appointment.pk).update(**fields)
    for name, value in fields.items():
        setattr(appointment, name, value)


# -- the money ---------------------------------------------------------------------------------
def _forfeit(deposit: DepositRequest, *, at: datetime, reason: str) -> LedgerEntry:
    """The clinic keeps the deposit: it leaves the DEPOSIT account as the clinic's income."""
    entry = ledger.post(
        deposit.client,
        ledger.Posting(
            Account.DEPOSIT,
            EntryKind.DEPOSIT_FORFEITED,
            -deposit.amount_minor,
            deposit.tender.method if deposit.tender else "",
        ),
        at=at,
        currency=deposit.currency,
        key=f"deposit:{deposit.pk}:forfeit",
        appointment=deposit.appointment,
        tender=deposit.tender,
        memo=reason,
    )
    DepositRequest.objects.filter(pk=deposit.pk).update(status=DepositStatus.FORFEITED, settled_at=at)
    return entry


def refund_deposit(deposit: DepositRequest, *, reason: str, by: Membership | None, at: datetime) -> None:
    """The one way a held deposit goes back. By card: the processor refunds it after the caller's
    transaction commits (``refund_card_deposit``). Paid elsewhere: the deposit leaves the DEPOSIT
    account and is owed back to the client on their account (staff hand it back)."""
    tender = deposit.tender
    if tender is None:  # paid before tenders existed: nothing to give back through the ledger
        log.warning("deposits: deposit %s is paid but has no tender", deposit.pk)
        return
    if tender.method == Method.STRIPE:
        by_id = by.pk if by else None
        transaction.on_commit(lambda: refund_card_deposit(deposit.pk, reason=reason, by_id=by_id))
        return
    amount = min(deposit.amount_minor, refundable(tender))
    if amount > 0:
        record_refund(tender, amount, reason=reason, by=by, at=at, key=f"deposit:{deposit.pk}:refund")
        ledger.post(
            deposit.client,
            ledger.Posting(Account.RECEIVABLE, EntryKind.CREDIT_NOTE, -amount, tender.method),
            at=at,
            currency=deposit.currency,
            by=by,
            key=f"deposit:{deposit.pk}:owed_back",
            tender=tender,
            appointment=deposit.appointment,
            memo=f"deposit owed back: {reason}"[:200],
        )
        events.publish(
            events.PaymentRefunded(
                clinic_id=deposit.clinic_id, tender=tender, amount_minor=amount, reason=reason
            )
        )
    DepositRequest.objects.filter(pk=deposit.pk).update(status=DepositStatus.REFUNDED, settled_at=at)


def refund_card_deposit(deposit_id: int, *, reason: str, by_id: int | None = None) -> bool:
    """Refund a card deposit through the processor, keyed by the tender, and record it. Not
    refunded (processor refused or unreachable): the deposit stays paid, to retry."""
    try:
        with transaction.atomic():
            deposit = (
                DepositRequest.objects.select_for_update(of=("self",))
                .select_related("tender", "client")
                .filter(pk=deposit_id, status=DepositStatus.PAID)
                .first()
            )
            if deposit is None or deposit.tender is None:
                return False
            tender = deposit.tender
            amount = min(deposit.amount_minor, refundable(tender))
            if amount <= 0:
                return False
            outcome = processor.require_processor(deposit.clinic_id).refund(
                tender, amount, key=f"refund:{tender.pk}:deposit"
            )
            if not outcome.ok:
                log.warning("deposits: refund of deposit %s refused: %s", deposit_id, outcome.message)
                return False
            now = clock.now()
            by = Membership.objects.filter(pk=by_id).first() if by_id else None
            record_refund(tender, amount, reason=reason, by=by, at=now, key=f"deposit:{deposit.pk}:refund")
            DepositRequest.objects.filter(pk=deposit.pk).update(status=DepositStatus.REFUNDED, settled_at=now)
            events.publish(
                events.PaymentRefunded(
                    clinic_id=deposit.clinic_id, tender=tender, amount_minor=amount, reason=reason
                )
            )
            return True
    except Exception:
        log.exception("deposits: refund of deposit %s failed", deposit_id)
        return False


def post_fee(appointment: Appointment, amount_minor: int, *, kind: str, at: datetime) -> LedgerEntry:
    """The fee is owed at once; with a processor, the card on file is charged after commit."""
    entry = ledger.post(
        appointment.client,
        ledger.Posting(Account.RECEIVABLE, EntryKind.FEE, amount_minor),
        at=at,
        currency=appointment.clinic.currency,
        key=f"fee:{appointment.pk}:{kind}",
        appointment=appointment,
        location_id=appointment.location_id,
        memo="no-show fee" if kind == NO_SHOW else "late-cancellation fee",
    )
    if processor.processor_for(appointment.clinic_id) is not None:
        transaction.on_commit(lambda: charge_fee(entry.pk))
    return entry


def charge_fee(fee_entry_id: int) -> processor.ChargeOutcome | None:
    """Charge a posted fee to the saved card, off-session. None: no processor or no card."""
    entry = LedgerEntry.objects.select_related("client", "appointment").get(pk=fee_entry_id)
    proc = processor.processor_for(entry.clinic_id)
    if proc is None or not proc.has_card(entry.client_id):
        return None
    key = f"{entry.idempotency_key}:charge"
    with transaction.atomic():
        tender = Tender.objects.filter(clinic_id=entry.clinic_id, idempotency_key=key).first()
        if tender is not None and tender.status != TenderStatus.PENDING:
            return None  # charged or refused already
        if tender is None:
            tender = new_tender(
                entry.client,
                TenderSpec(Method.STRIPE, entry.amount_minor),
                at=clock.now(),
                by=None,
                purpose="fee",
                appointment=entry.appointment,
                status=TenderStatus.PENDING,
                key=key,
            )
    with transaction.atomic():
        return processor.collect(tender, off_session=True)


# -- owners waive --------------------------------------------------------------------------------
def waive_fee(appointment: Appointment, *, actor: Actor, now: datetime, reason: str) -> LedgerEntry:
    """An owner lets the client off an unpaid fee: a correcting FEE entry (reversing the fee)."""
    member = require_staff(actor, Action.REFUND, appointment)
    if not reason.strip():
        raise InvalidInput("Say why the fee is waived.", field="reason")
    with transaction.atomic():
        Appointment.objects.select_for_update().filter(pk=appointment.pk).first()
        waived_keys = set(
            LedgerEntry.objects.filter(appointment=appointment, kind=EntryKind.FEE, amount_minor__lt=0)
            .exclude(reverses=None)
            .values_list("reverses_id", flat=True)
        )
        fees = [
            e
            for e in LedgerEntry.objects.filter(
                appointment=appointment, kind=EntryKind.FEE, amount_minor__gt=0
            )
            if e.pk not in waived_keys
        ]
        if not fees:
            raise Conflict("There is no fee to waive on this appointment.", code="no_fee")
        charges = Tender.objects.filter(appointment=appointment, purpose="fee")
        if charges.filter(status=TenderStatus.PENDING).exists():
            raise Conflict("The fee is being charged to the card: try again in a minute.", code="pending")
        if charges.filter(status=TenderStatus.SUCCEEDED).exists():
            raise Conflict("The fee was paid by card: refund the payment instead.", code="fee_paid")
        fee = fees[-1]
        entry = ledger.post(
            fee.client,
            ledger.Posting(Account.RECEIVABLE, EntryKind.FEE, -fee.amount_minor),
            at=now,
            currency=fee.currency,
            by=member,
            key=f"{fee.idempotency_key or fee.pk}:waived",
            appointment=appointment,
            location_id=fee.location_id,
            reverses=fee,
            memo=f"waived: {reason}"[:200],
        )
        Appointment.objects.filter(pk=appointment.pk).update(fee_due=0)
        appointment.fee_due = to_major(0, fee.currency)
        return entry


def waive_forfeit(appointment: Appointment, *, actor: Actor, now: datetime, reason: str) -> DepositRequest:
    """An owner gives a forfeited deposit back: the forfeit is reversed (a new entry) and the
    deposit refunded the one way deposits are refunded."""
    member = require_staff(actor, Action.REFUND, appointment)
    if not reason.strip():
        raise InvalidInput("Say why the forfeit is waived.", field="reason")
    found = deposit_for(appointment)
    if found is None:
        raise Conflict("This booking has no deposit.", code="no_deposit")
    with transaction.atomic():
        deposit = (
            DepositRequest.objects.select_for_update(of=("self",))
            .select_related("tender", "client")
            .get(pk=found.pk)
        )
        if deposit.status != DepositStatus.FORFEITED:
            raise Conflict(
                f"The deposit is {deposit.get_status_display().lower()}, not forfeited.", code="not_forfeited"
            )
        forfeit = LedgerEntry.objects.get(
            clinic_id=deposit.clinic_id, idempotency_key=f"deposit:{deposit.pk}:forfeit"
        )
        ledger.post(
            deposit.client,
            ledger.Posting(
                Account.DEPOSIT, EntryKind.DEPOSIT_FORFEITED, deposit.amount_minor, forfeit.method
            ),
            at=now,
            currency=deposit.currency,
            by=member,
            key=f"deposit:{deposit.pk}:forfeit:waived",
            appointment=deposit.appointment,
            tender=deposit.tender,
            reverses=forfeit,
            memo=f"forfeit waived: {reason}"[:200],
        )
        DepositRequest.objects.filter(pk=deposit.pk).update(status=DepositStatus.PAID)
        deposit.status = DepositStatus.PAID
        refund_deposit(deposit, reason=f"forfeit waived: {reason}", by=member, at=now)
    deposit.refresh_from_db()
    return deposit
