"""Charging the card on file through the real stripe SDK against localstripe: success, declines,
3-D Secure off session, expired cards, Stripe timing out or answering 5xx (the tender stays
pending and the worker records it once), refunds. Every test ends with the ledger consistent."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest

from needlepoint.clinic import events
from needlepoint.clinic.errors import Conflict, InvalidInput, NotAllowed
from needlepoint.clinic.payments import ledger, processor, stripe_payments
from needlepoint.clinic.payments.models import (
    EntryKind,
    LedgerEntry,
    PaymentSettings,
    StripeCharge,
    Tender,
    TenderStatus,
)
from needlepoint.clinic.payments.stripe_gateway import client_for
from tests.stripe_server import StripeServer

from .conftest import AFTER_VISIT, PayWorld
from .helpers import assert_ledger_consistent
from .stripe_helpers import DECLINES, NEEDS_SCA, card_tender, connect, intents, save_card

pytestmark = pytest.mark.django_db

LATER = AFTER_VISIT + timedelta(minutes=5)


def payments_of(tender: Tender) -> int:
    return LedgerEntry.objects.filter(tender=tender, kind=EntryKind.PAYMENT).count()


def test_card_on_file_is_charged_once_and_recorded(pw: PayWorld, stripe_api: StripeServer) -> None:
    connect(pw)
    card = save_card(pw)
    assert (card.brand, card.last4, card.exp_year) == ("visa", "4242", 2030)
    assert processor.require_processor(pw.world.clinic.pk).has_card(pw.client.pk)
    tender = card_tender(pw, 20000)
    with events.captured() as seen:
        outcome = processor.collect(tender, off_session=False)
    assert outcome.status == "succeeded" and outcome.processor_id.startswith("pi_")
    tender.refresh_from_db()
    assert tender.status == TenderStatus.SUCCEEDED and tender.processor_id == outcome.processor_id
    assert ledger.invoice_balance(tender.invoice_id) == 0
    assert "PaymentRecorded" in {e.name for e in seen}
    (intent,) = intents(stripe_api)
    assert intent["amount"] == 20000 and intent["currency"] == "gbp"
    assert intent["metadata"]["tender"] == str(tender.pk) and intent["status"] == "succeeded"
    # The same tender collected again (a double click, a retried job): same key, same answer.
    again = processor.collect(tender, off_session=False)
    assert again.processor_id == outcome.processor_id
    assert len(intents(stripe_api)) == 1 and payments_of(tender) == 1
    assert_ledger_consistent(pw.client)


def test_declined_card_fails_the_tender_and_leaves_the_amount_owed(
    pw: PayWorld, stripe_api: StripeServer
) -> None:
    connect(pw)
    save_card(pw, DECLINES)
    tender = card_tender(pw, 20000)
    with events.captured() as seen:
        outcome = processor.collect(tender, off_session=False)
    assert outcome.status == "failed" and "declined" in outcome.message
    tender.refresh_from_db()
    assert tender.status == TenderStatus.FAILED and "declined" in tender.failure_message
    assert ledger.invoice_balance(tender.invoice_id) == 20000
    assert payments_of(tender) == 0
    assert [e.name for e in seen if e.name == "PaymentFailed"] == ["PaymentFailed"]
    assert_ledger_consistent(pw.client)


def test_off_session_charge_that_needs_3ds_is_not_taken(pw: PayWorld, stripe_api: StripeServer) -> None:
    connect(pw)
    save_card(pw, NEEDS_SCA)
    tender = card_tender(pw, 5000)
    outcome = processor.collect(tender, off_session=True)
    assert outcome.status == "requires_action" and "3-D Secure" in outcome.message
    tender.refresh_from_db()
    assert tender.status == TenderStatus.FAILED and "confirm this payment" in tender.failure_message
    assert tender.processor_id.startswith("pi_")  # kept: if the client confirms later, the webhook settles it
    assert ledger.invoice_balance(tender.invoice_id) == 5000
    assert_ledger_consistent(pw.client)


def test_expired_card_on_file_is_refused_before_calling_stripe(
    pw: PayWorld, stripe_api: StripeServer
) -> None:
    connect(pw)
    save_card(pw, exp=(1, 2020))
    assert not processor.require_processor(pw.world.clinic.pk).has_card(pw.client.pk)
    tender = card_tender(pw, 5000)
    outcome = processor.collect(tender, off_session=True)
    assert outcome.status == "failed" and "expired" in outcome.message
    assert intents(stripe_api) == [] and not StripeCharge.objects.filter(tender=tender).exists()
    assert_ledger_consistent(pw.client)


def test_card_stripe_says_has_expired_fails_with_a_clear_message(
    pw: PayWorld, stripe_api: StripeServer
) -> None:
    connect(pw)
    save_card(pw)
    # localstripe has no expiring test card: the decline Stripe sends is imitated in front of it.
    body = {"error": {"type": "card_error", "code": "expired_card", "message": "Your card has expired."}}
    stripe_api.fault("/v1/payment_intents", "error", status=402, body=body)
    tender = card_tender(pw, 5000)
    outcome = processor.collect(tender, off_session=True)
    assert outcome.status == "failed" and outcome.message.startswith("The card on file has expired")
    tender.refresh_from_db()
    assert tender.status == TenderStatus.FAILED
    # The worker does not touch a failed tender.
    assert stripe_payments.reconcile_pending(LATER) == 0
    assert_ledger_consistent(pw.client)


@pytest.mark.parametrize("fault", ["timeout_after", "500_after", "500_before"])
def test_unknown_outcome_stays_pending_and_the_worker_records_it_once(
    pw: PayWorld, stripe_api: StripeServer, fault: str
) -> None:
    """Stripe times out or answers 500 (after charging, or before doing anything): the tender
    stays pending; the worker repeats the request with the same key and records it once."""
    connect(pw)
    save_card(pw)
    tender = card_tender(pw, 20000)
    stripe_api.fault("/v1/payment_intents", fault, seconds=5)
    outcome = processor.collect(tender, off_session=True)
    assert outcome.status == "unknown"
    tender.refresh_from_db()
    assert tender.status == TenderStatus.PENDING and payments_of(tender) == 0
    assert ledger.invoice_balance(tender.invoice_id) == 20000
    assert_ledger_consistent(pw.client)
    # Too soon: the till may still be waiting for its answer.
    assert stripe_payments.reconcile_pending(AFTER_VISIT + timedelta(seconds=30)) == 0
    assert stripe_payments.reconcile_pending(LATER) == 1
    tender.refresh_from_db()
    assert tender.status == TenderStatus.SUCCEEDED and tender.processor_id.startswith("pi_")
    assert len(intents(stripe_api)) == 1 and payments_of(tender) == 1
    assert stripe_payments.reconcile_pending(LATER + timedelta(minutes=5)) == 0
    assert ledger.invoice_balance(tender.invoice_id) == 0
    assert_ledger_consistent(pw.client)


def test_stripe_unreachable_leaves_the_tender_pending_until_it_answers(
    pw: PayWorld, stripe_api: StripeServer, settings: object
) -> None:
    connect(pw)
    save_card(pw)
    tender = card_tender(pw, 20000)
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    settings.NEEDLEPOINT_STRIPE_API_BASE = f"http://127.0.0.1:{closed}"  # type: ignore[attr-defined]
    assert processor.collect(tender, off_session=True).status == "unknown"
    assert stripe_payments.reconcile_pending(LATER) == 1  # still down: asked, nothing recorded
    tender.refresh_from_db()
    assert tender.status == TenderStatus.PENDING
    settings.NEEDLEPOINT_STRIPE_API_BASE = stripe_api.base  # type: ignore[attr-defined]
    assert stripe_payments.reconcile_pending(LATER) == 0  # asked a moment ago: waits its turn
    assert stripe_payments.reconcile_pending(LATER + timedelta(minutes=2)) == 1
    tender.refresh_from_db()
    assert tender.status == TenderStatus.SUCCEEDED and payments_of(tender) == 1
    assert len(intents(stripe_api)) == 1
    assert_ledger_consistent(pw.client)


def test_a_tender_never_sent_is_failed_not_charged(pw: PayWorld, stripe_api: StripeServer) -> None:
    connect(pw)
    save_card(pw)
    tender = card_tender(pw, 20000)  # the till crashed before collect: no "charge sent" row
    assert stripe_payments.reconcile_pending(LATER) == 1
    tender.refresh_from_db()
    assert tender.status == TenderStatus.FAILED and "not charged" in tender.failure_message
    assert intents(stripe_api) == []
    assert_ledger_consistent(pw.client)


def test_no_card_and_no_stripe_answer_clear_refusals(pw: PayWorld, stripe_api: StripeServer) -> None:
    tender = card_tender(pw, 20000)
    with pytest.raises(Conflict, match="own terminal"):
        processor.collect(tender, off_session=True)  # paid-elsewhere clinic
    connect(pw)
    assert PaymentSettings.objects.get(clinic=pw.world.clinic).processor == "stripe"
    outcome = processor.collect(tender, off_session=True)
    assert outcome.status == "failed" and "no card on file" in outcome.message
    assert_ledger_consistent(pw.client)


def test_refunds_go_through_stripe_and_never_exceed_what_was_paid(
    pw: PayWorld, stripe_api: StripeServer
) -> None:
    connect(pw)
    save_card(pw)
    tender = card_tender(pw, 5000)
    processor.collect(tender, off_session=False)
    tender.refresh_from_db()
    with pytest.raises(InvalidInput) as too_much:
        stripe_payments.refund_card(tender, 6000, reason="overcharge", actor=pw.owner, now=LATER)
    assert too_much.value.code == "refund_too_large"
    with pytest.raises(NotAllowed):
        stripe_payments.refund_card(tender, 1000, reason="goodwill", actor=pw.desk, now=LATER)
    with pytest.raises(InvalidInput):
        stripe_payments.refund_card(tender, 1000, reason=" ", actor=pw.owner, now=LATER)
    sc = client_for(pw.world.clinic.pk)
    assert sc.v1.refunds.list(params={"payment_intent": tender.processor_id}).data == []
    with events.captured() as seen:
        stripe_payments.refund_card(tender, 2000, reason="serum returned", actor=pw.owner, now=LATER)
    assert "PaymentRefunded" in {e.name for e in seen}
    with pytest.raises(InvalidInput, match="more than can be refunded"):
        stripe_payments.refund_card(tender, 3001, reason="rest", actor=pw.owner, now=LATER)
    stripe_payments.refund_card(tender, 3000, reason="rest", actor=pw.owner, now=LATER)
    with pytest.raises(InvalidInput, match="Nothing is left"):
        stripe_payments.refund_card(tender, 1, reason="more", actor=pw.owner, now=LATER)
    intent = sc.v1.payment_intents.retrieve(tender.processor_id)
    charge = sc.v1.charges.retrieve(
        str(intent.latest_charge if isinstance(intent.latest_charge, str) else intent.latest_charge.id)
    )
    assert charge.amount_refunded == 5000
    refunds = LedgerEntry.objects.filter(tender=tender, kind=EntryKind.REFUND)
    assert sorted(e.amount_minor for e in refunds) == [2000, 3000]
    assert_ledger_consistent(pw.client)


def test_refund_stripe_does_not_answer_is_retried_without_refunding_twice(
    pw: PayWorld, stripe_api: StripeServer
) -> None:
    connect(pw)
    save_card(pw)
    tender = card_tender(pw, 5000)
    processor.collect(tender, off_session=False)
    tender.refresh_from_db()
    stripe_api.fault("/v1/refunds", "500_after")
    with pytest.raises(Conflict, match="did not answer"):
        stripe_payments.refund_card(tender, 5000, reason="cancelled course", actor=pw.owner, now=LATER)
    assert not LedgerEntry.objects.filter(tender=tender, kind=EntryKind.REFUND).exists()
    stripe_payments.refund_card(tender, 5000, reason="cancelled course", actor=pw.owner, now=LATER)
    sc = client_for(pw.world.clinic.pk)
    assert len(sc.v1.refunds.list(params={"payment_intent": tender.processor_id}).data) == 1
    assert_ledger_consistent(pw.client)


def test_stripe_refusing_an_off_session_charge_for_3ds_asks_the_client_to_confirm(
    pw: PayWorld, stripe_api: StripeServer
) -> None:
    """Real Stripe answers an off-session charge that needs 3-D Secure with a 402
    ``authentication_required`` (localstripe answers ``requires_action``): imitated in front of it."""
    connect(pw)
    save_card(pw)
    body = {
        "error": {
            "type": "card_error",
            "code": "authentication_required",
            "message": "This payment requires authentication.",
            "payment_intent": {
                "id": "pi_needs3ds",
                "object": "payment_intent",
                "status": "requires_payment_method",
            },
        }
    }
    stripe_api.fault("/v1/payment_intents", "error", status=402, body=body)
    tender = card_tender(pw, 5000)
    outcome = processor.collect(tender, off_session=True)
    assert outcome.status == "requires_action" and outcome.processor_id == "pi_needs3ds"
    tender.refresh_from_db()
    assert tender.status == TenderStatus.FAILED and "3-D Secure" in tender.failure_message
    assert tender.processor_id == "pi_needs3ds"
    assert_ledger_consistent(pw.client)


def test_a_removed_card_is_not_charged(pw: PayWorld, stripe_api: StripeServer, clinic_b: object) -> None:
    from needlepoint.clinic.errors import NotFound
    from needlepoint.clinic.permissions import ClientActor

    connect(pw)
    card = save_card(pw)
    stranger = ClientActor(clinic_b.client)  # type: ignore[attr-defined]
    with pytest.raises(NotFound):
        stripe_payments.remove_card(card, actor=stranger, now=LATER)
    stripe_payments.remove_card(card, actor=ClientActor(pw.client), now=LATER)  # type: ignore[arg-type]
    assert not processor.require_processor(pw.world.clinic.pk).has_card(pw.client.pk)
    tender = card_tender(pw, 5000)
    outcome = processor.collect(tender, off_session=True)
    assert outcome.status == "failed" and "no card on file" in outcome.message
    assert intents(stripe_api) == []
    assert_ledger_consistent(pw.client)
