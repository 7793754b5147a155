"""Stripe webhooks: signature checked with the clinic's secret, stored once per event id, acted on
by the worker; redelivered and out-of-order events leave the same ledger."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from needlepoint.clinic.payments import processor, stripe_payments
from needlepoint.clinic.payments.models import (
    EntryKind,
    LedgerEntry,
    SavedCard,
    StripeEvent,
    TenderStatus,
)
from needlepoint.clinic.payments.stripe_gateway import client_for
from needlepoint.ops import worker
from tests.stripe_server import StripeServer

from .conftest import AFTER_VISIT, PayWorld
from .helpers import assert_ledger_consistent
from .stripe_helpers import (
    card_tender,
    connect,
    deliver,
    event_of,
    intents,
    made_up_event,
    process_inbox,
    save_card,
    signature,
)

pytestmark = pytest.mark.django_db

LATER = AFTER_VISIT + timedelta(minutes=5)


def lost_answer_charge(pw: PayWorld, server: StripeServer, amount: int = 20000):  # type: ignore[no-untyped-def]
    """A card charge Stripe made but whose answer never came back: the tender is pending."""
    connect(pw)
    save_card(pw)
    tender = card_tender(pw, amount)
    server.fault("/v1/payment_intents", "timeout_after", seconds=5)
    assert processor.collect(tender, off_session=True).status == "unknown"
    (intent,) = intents(server)
    return tender, intent


def test_bad_or_missing_signature_is_refused_and_nothing_is_stored(
    pw: PayWorld, stripe_api: StripeServer
) -> None:
    connect(pw)
    event = made_up_event("payment_intent.succeeded", {"id": "pi_x", "metadata": {}}, "evt_forged")
    assert deliver(pw, event, secret="whsec_someone_else").status_code == 400
    payload = json.dumps(event)
    web = deliver.__globals__["WebClient"]()
    assert (
        web.post(
            f"/stripe/webhook/{pw.world.clinic.slug}/", payload, content_type="application/json"
        ).status_code
        == 400
    )
    stale = signature(payload, "whsec_ahooksecret", at=1_000_000_000)  # right secret, years old: a replay
    response = web.post(
        f"/stripe/webhook/{pw.world.clinic.slug}/",
        payload,
        content_type="application/json",
        headers={"stripe-signature": stale},
    )
    assert response.status_code == 400
    assert deliver(pw, event, slug="no-such-clinic").status_code == 404
    assert not StripeEvent.objects.exists()
    assert_ledger_consistent(pw.client)


def test_succeeded_event_delivered_twice_settles_the_tender_once(
    pw: PayWorld, stripe_api: StripeServer
) -> None:
    tender, intent = lost_answer_charge(pw, stripe_api)
    event = event_of(stripe_api, "payment_intent.succeeded", intent["id"])
    first, second = deliver(pw, event), deliver(pw, event)
    assert first.status_code == second.status_code == 200
    assert (first.json()["duplicate"], second.json()["duplicate"]) == (False, True)
    assert StripeEvent.objects.count() == 1
    tender.refresh_from_db()
    assert tender.status == TenderStatus.PENDING  # stored, not yet acted on: the worker does it
    assert process_inbox() == 1
    tender.refresh_from_db()
    assert tender.status == TenderStatus.SUCCEEDED and tender.processor_id == intent["id"]
    assert StripeEvent.objects.get().status == "done"
    # The worker's own check finds nothing left to do; the event again changes nothing.
    assert stripe_payments.reconcile_pending(LATER) == 0
    deliver(pw, event)
    process_inbox()
    assert LedgerEntry.objects.filter(tender=tender, kind=EntryKind.PAYMENT).count() == 1
    assert_ledger_consistent(pw.client)


def test_failed_event_after_success_does_not_undo_the_payment(pw: PayWorld, stripe_api: StripeServer) -> None:
    connect(pw)
    save_card(pw)
    tender = card_tender(pw, 20000)
    outcome = processor.collect(tender, off_session=False)
    succeeded = event_of(stripe_api, "payment_intent.succeeded", outcome.processor_id)
    intent = dict(succeeded["data"]["object"], status="requires_payment_method")
    intent["last_payment_error"] = {"code": "card_declined", "message": "Your card was declined."}
    older_failure = made_up_event("payment_intent.payment_failed", intent, "evt_older_failure")
    deliver(pw, older_failure)
    deliver(pw, succeeded)
    process_inbox()
    tender.refresh_from_db()
    assert tender.status == TenderStatus.SUCCEEDED
    assert LedgerEntry.objects.filter(tender=tender, kind=EntryKind.PAYMENT).count() == 1
    assert_ledger_consistent(pw.client)


def test_failed_event_fails_a_pending_tender(pw: PayWorld, stripe_api: StripeServer) -> None:
    tender, intent = lost_answer_charge(pw, stripe_api)
    failed = dict(intent, status="requires_payment_method")
    failed["last_payment_error"] = {"code": "card_declined", "decline_code": "insufficient_funds"}
    deliver(pw, made_up_event("payment_intent.payment_failed", failed, "evt_failed"))
    process_inbox()
    tender.refresh_from_db()
    assert tender.status == TenderStatus.FAILED and "insufficient funds" in tender.failure_message
    assert_ledger_consistent(pw.client)


def test_refund_event_before_the_payment_event_records_both_once(
    pw: PayWorld, stripe_api: StripeServer
) -> None:
    """Out of order: Stripe's charge.refunded (a refund made in Stripe's dashboard) reaches us
    before payment_intent.succeeded, while our own answer was lost."""
    tender, intent = lost_answer_charge(pw, stripe_api, 8000)
    sc = client_for(pw.world.clinic.pk)
    sc.v1.refunds.create(params={"payment_intent": intent["id"], "amount": 3000})
    charge = sc.v1.charges.retrieve(intent["latest_charge"]["id"]).to_dict()
    assert charge["amount_refunded"] == 3000
    refunded = made_up_event("charge.refunded", charge, "evt_refunded")
    succeeded = event_of(stripe_api, "payment_intent.succeeded", intent["id"])
    deliver(pw, refunded)
    process_inbox()
    deliver(pw, succeeded)
    deliver(pw, refunded)
    process_inbox()
    stripe_payments.reconcile_pending(LATER)
    tender.refresh_from_db()
    assert tender.status == TenderStatus.SUCCEEDED
    assert LedgerEntry.objects.filter(tender=tender, kind=EntryKind.PAYMENT).count() == 1
    assert [e.amount_minor for e in LedgerEntry.objects.filter(tender=tender, kind=EntryKind.REFUND)] == [
        3000
    ]
    assert_ledger_consistent(pw.client)


def test_our_own_refund_is_not_recorded_again_by_its_webhook(pw: PayWorld, stripe_api: StripeServer) -> None:
    connect(pw)
    save_card(pw)
    tender = card_tender(pw, 5000)
    processor.collect(tender, off_session=False)
    tender.refresh_from_db()
    stripe_payments.refund_card(tender, 2000, reason="serum returned", actor=pw.owner, now=LATER)
    sc = client_for(pw.world.clinic.pk)
    intent = sc.v1.payment_intents.retrieve(tender.processor_id).to_dict()
    charge = sc.v1.charges.retrieve(intent["latest_charge"]["id"]).to_dict()
    deliver(pw, made_up_event("charge.refunded", charge, "evt_our_refund"))
    process_inbox()
    assert StripeEvent.objects.get().status == "done"
    assert [e.amount_minor for e in LedgerEntry.objects.filter(tender=tender, kind=EntryKind.REFUND)] == [
        2000
    ]
    assert_ledger_consistent(pw.client)


def test_setup_intent_succeeded_saves_the_card_once(pw: PayWorld, stripe_api: StripeServer) -> None:
    connect(pw)
    secret, _ = stripe_payments.start_card_setup(pw.client)
    sc = client_for(pw.world.clinic.pk)
    pm = sc.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": "4242424242424242", "exp_month": "7", "exp_year": "2031", "cvc": "123"},
        }
    )
    intent = sc.v1.setup_intents.confirm(
        secret.split("_secret_")[0], params={"payment_method": pm.id}
    ).to_dict()
    event = made_up_event("setup_intent.succeeded", intent, "evt_setup")
    deliver(pw, event)
    deliver(pw, event)
    deliver(pw, made_up_event("customer.created", {"id": "cus_x"}, "evt_not_ours"))
    process_inbox()
    (card,) = SavedCard.objects.filter(client=pw.client)
    assert (card.last4, card.exp_month, card.exp_year) == ("4242", 7, 2031)
    assert StripeEvent.objects.get(event_id="evt_not_ours").status == "ignored"
    assert_ledger_consistent(pw.client)


def test_the_worker_process_runs_the_stripe_round(pw: PayWorld, stripe_api: StripeServer) -> None:
    tender, intent = lost_answer_charge(pw, stripe_api)
    deliver(pw, event_of(stripe_api, "payment_intent.succeeded", intent["id"]))
    worker.run(once=True)
    tender.refresh_from_db()
    assert tender.status == TenderStatus.SUCCEEDED
    assert StripeEvent.objects.get().status == "done"
    assert_ledger_consistent(pw.client)


def test_an_event_that_keeps_failing_is_retried_then_given_up(pw: PayWorld, stripe_api: StripeServer) -> None:
    connect(pw)
    # A SetupIntent of a customer this clinic does not know: processing raises every time.
    event = made_up_event(
        "setup_intent.succeeded", {"customer": "cus_unknown", "payment_method": "pm_x"}, "evt_bad"
    )
    deliver(pw, event)
    assert process_inbox() == 1
    row = StripeEvent.objects.get()
    assert row.status == "pending" and "unknown_customer" not in row.last_error and row.last_error
    assert row.next_attempt_at > row.received_at
    StripeEvent.objects.filter(pk=row.pk).update(
        attempts=row.max_attempts - 1, next_attempt_at=row.received_at
    )
    process_inbox()
    assert StripeEvent.objects.get().status == "failed"
    assert_ledger_consistent(pw.client)
