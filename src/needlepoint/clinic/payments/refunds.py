"""Giving money back on one tender, whatever the method: the one entry point the invoice page
(and later the API) calls. Paid-elsewhere money is handed back outside Needlepoint and only
recorded; card money goes back through the clinic's processor first and is recorded when the
processor says it went (keyed ``refund:<tender>:<n>``, so a retried request refunds once)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from needlepoint.clinic import events
from needlepoint.clinic.errors import Conflict, InvalidInput
from needlepoint.clinic.permissions import Action, Actor, require

from .models import PAID_ELSEWHERE, EntryKind, LedgerEntry, Method, Tender
from .processor import require_processor
from .tenders import check_refund, record_refund, refund_paid_elsewhere


def refund_tender(tender: Tender, amount_minor: int, reason: str, actor: Actor, now: datetime) -> LedgerEntry:
    require(actor, Action.REFUND, tender)
    if tender.method in PAID_ELSEWHERE:
        return refund_paid_elsewhere(tender, amount_minor, reason=reason, actor=actor, now=now)
    if tender.method != Method.STRIPE:
        raise Conflict(
            "Deposits and package credit are refunded from their own pages.", code="not_refundable_here"
        )
    if not reason.strip():
        raise InvalidInput("Say why the money is refunded.", field="reason")
    with transaction.atomic():
        locked = Tender.objects.select_for_update().get(pk=tender.pk)
        by = check_refund(locked, amount_minor, actor=actor)
        n = LedgerEntry.objects.filter(tender=locked, kind=EntryKind.REFUND).count()
        key = f"refund:{locked.pk}:{n}"
        outcome = require_processor(locked.clinic_id).refund(locked, amount_minor, key=key)
        if not outcome.ok:
            raise Conflict(outcome.message or "The card processor refused the refund.", code="refund_failed")
        entry = record_refund(locked, amount_minor, reason=reason, by=by, at=now, key=key)
        events.publish(
            events.PaymentRefunded(
                clinic_id=locked.clinic_id, tender=locked, amount_minor=amount_minor, reason=reason
            )
        )
        return entry
