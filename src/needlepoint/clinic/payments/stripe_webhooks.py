"""Stripe webhooks: verify, store, process later.

``receive`` checks the signature with the clinic's webhook secret and stores the event in the
inbox by its id (a redelivery is a no-op) — nothing else happens in the request, so Stripe gets
its 2xx fast. The worker (``worker_step``) claims inbox rows under a lease and acts on them:

- ``payment_intent.succeeded``: settle the tender (even one marked failed: the client completed
  3-D Secure later, and the money was taken);
- ``payment_intent.payment_failed``: fail the tender, only while it is still pending (an event
  that arrives after the success is older news);
- ``charge.refunded``: record what Stripe refunded beyond what is already recorded (a refund made
  in Stripe's dashboard; ours are recorded when made), keyed by the charge's refunded total;
- ``setup_intent.succeeded``: save the card.

Every action is idempotent on its own, so an event processed twice, or events in any order,
leave the same ledger.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import stripe
from django.db import transaction

from needlepoint import clock
from needlepoint.clinic import events, leasing
from needlepoint.clinic.clinics.models import Clinic
from needlepoint.clinic.errors import InvalidInput, NotFound

from .models import Method, Tender, TenderStatus
from .processor import ChargeOutcome, record_outcome
from .stripe_gateway import client_for, outcome_of
from .stripe_models import InboxStatus, StripeAccount, StripeEvent
from .stripe_payments import reconcile_pending, save_card_from_setup
from .tenders import record_refund, refunded_so_far

log = logging.getLogger(__name__)

HANDLED = (
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "charge.refunded",
    "setup_intent.succeeded",
)


@dataclass(frozen=True)
class InboxConfig:
    batch: int = 20
    lease: timedelta = timedelta(minutes=3)
    base_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(hours=6)


def receive(slug: str, payload: bytes, signature: str, *, now: datetime) -> tuple[StripeEvent, bool]:
    """Verify and store one delivery. Returns the inbox row and whether it is new. Raises
    ``NotFound`` (no such clinic or no webhook secret) or ``InvalidInput`` (bad signature)."""
    clinic = Clinic.objects.filter(slug=slug).first()
    account = StripeAccount.objects.filter(clinic=clinic).first() if clinic else None
    if account is None or not account.webhook_secret:
        raise NotFound("No Stripe webhook is set up for this clinic.")
    try:
        stripe.Webhook.construct_event(payload.decode("utf-8"), signature, account.webhook_secret)
        data = json.loads(payload)
    except (stripe.SignatureVerificationError, ValueError) as exc:
        raise InvalidInput("The Stripe-Signature header does not match.", code="bad_signature") from exc
    event_id, kind = str(data.get("id") or ""), str(data.get("type") or "")
    if not event_id.startswith("evt_") or not kind:
        raise InvalidInput("Not a Stripe event.", code="not_an_event")
    row, created = StripeEvent.objects.get_or_create(
        clinic_id=account.clinic_id,
        event_id=event_id,
        defaults={
            "type": kind[:80],
            "payload": data,
            "livemode": bool(data.get("livemode")),
            "status": InboxStatus.PENDING if kind in HANDLED else InboxStatus.IGNORED,
            "next_attempt_at": now,
            "received_at": now,
        },
    )
    return row, created


# -- the worker ------------------------------------------------------------------------------------
def worker_step(worker: str, cfg: InboxConfig = InboxConfig()) -> int:
    """The worker's Stripe round: one batch of inbox events, then the pending card charges due
    a check. Returns how much was done (0: nothing due)."""
    return process_batch(worker, cfg) + reconcile_pending(clock.now())


def process_batch(worker: str, cfg: InboxConfig = InboxConfig()) -> int:
    claimed = list(
        leasing.claim(
            StripeEvent,
            pending=InboxStatus.PENDING,
            sending=InboxStatus.PROCESSING,
            worker=worker,
            cfg=cfg,
            now=clock.now(),
        )
    )
    for row in claimed:
        try:
            status = handle(row)
            error = ""
        except Exception as exc:
            log.exception("stripe event %s (%s) failed", row.event_id, row.type)
            status, error = "", f"{type(exc).__name__}: {exc}"[:500]
        _finish(row, worker, status, error, cfg)
    return len(claimed)


def _finish(row: StripeEvent, worker: str, status: str, error: str, cfg: InboxConfig) -> None:
    now = clock.now()
    if status:
        fields: dict[str, Any] = {"status": status, "processed_at": now, "last_error": ""}
    else:
        give_up = row.attempts >= row.max_attempts
        fields = {
            "status": InboxStatus.FAILED if give_up else InboxStatus.PENDING,
            "next_attempt_at": now + leasing.backoff(row.attempts, cfg.base_delay, cfg.max_delay),
            "last_error": error,
        }
    # Only while the lease is ours: after it ran out another worker owns the row.
    StripeEvent.objects.filter(pk=row.pk, status=InboxStatus.PROCESSING, locked_by=worker).update(
        locked_by="", locked_until=None, **fields
    )


def handle(row: StripeEvent) -> str:
    """Act on one event; returns DONE or IGNORED (not about anything of ours)."""
    obj = ((row.payload or {}).get("data") or {}).get("object") or {}
    now = clock.now()
    if row.type == "setup_intent.succeeded":
        save_card_from_setup(row.clinic_id, obj)
        return InboxStatus.DONE
    if row.type.startswith("payment_intent."):
        tender = _tender_of(row.clinic_id, obj.get("metadata") or {}, str(obj.get("id") or ""))
        if tender is None:
            return InboxStatus.IGNORED
        if row.type == "payment_intent.succeeded":
            outcome = ChargeOutcome("succeeded", str(obj.get("id") or ""))
        else:
            outcome = outcome_of({**obj, "status": "requires_payment_method"})
        record_outcome(tender, outcome, at=now)
        return InboxStatus.DONE
    if row.type == "charge.refunded":
        return _charge_refunded(row.clinic_id, obj, now)
    return InboxStatus.IGNORED


def _tender_of(clinic_id: int, metadata: dict[str, Any], intent_id: str) -> Tender | None:
    qs = Tender.objects.filter(clinic_id=clinic_id, method=Method.STRIPE)
    tender_id = str(metadata.get("tender") or "")
    if tender_id.isdigit() and str(metadata.get("clinic") or clinic_id) == str(clinic_id):
        found = qs.filter(pk=int(tender_id)).first()
        if found is not None:
            return found
    return qs.filter(processor_id=intent_id).first() if intent_id else None


def _charge_refunded(clinic_id: int, charge: dict[str, Any], now: datetime) -> str:
    intent_id = charge.get("payment_intent")
    intent_id = intent_id.get("id") if isinstance(intent_id, dict) else intent_id
    tender = _tender_of(clinic_id, charge.get("metadata") or {}, str(intent_id or ""))
    if tender is None and intent_id:
        # Our answer to the charge may have been lost (no id on the tender yet): the
        # PaymentIntent's metadata names the tender.
        intent = client_for(clinic_id).v1.payment_intents.retrieve(str(intent_id)).to_dict()
        tender = _tender_of(clinic_id, intent.get("metadata") or {}, str(intent_id))
    if tender is None:
        return InboxStatus.IGNORED
    total = int(charge.get("amount_refunded") or 0)
    if tender.status != TenderStatus.SUCCEEDED and charge.get("paid", charge.get("status") == "succeeded"):
        # The refund overtook the payment's own event: the charge was paid, so record that first.
        record_outcome(tender, ChargeOutcome("succeeded", str(intent_id or "")), at=now)
    with transaction.atomic():
        locked = Tender.objects.select_for_update().select_related("client").get(pk=tender.pk)
        if locked.status != TenderStatus.SUCCEEDED:
            return InboxStatus.IGNORED
        extra = min(total, locked.amount_minor) - refunded_so_far(locked)
        if extra <= 0:
            return InboxStatus.DONE  # already recorded (our own refund, or an older event)
        record_refund(
            locked,
            extra,
            reason="Refunded in Stripe",
            by=None,
            at=now,
            key=f"stripe-charge:{charge.get('id')}:refunded:{total}",
        )
        events.publish(
            events.PaymentRefunded(
                clinic_id=locked.clinic_id, tender=locked, amount_minor=extra, reason="Refunded in Stripe"
            )
        )
    return InboxStatus.DONE
