"""Messaging reacts to payments: a receipt when an invoice is issued (its payments written at
send time), a "card failed" email for membership and fee charges, nothing without consent."""

from __future__ import annotations

import pytest

from needlepoint.clinic import events
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.messaging.composers import body_to_send
from needlepoint.clinic.messaging.models import Kind, OutboxMessage
from needlepoint.clinic.payments.checkout import CheckoutSpec, check_out
from needlepoint.clinic.payments.invoices import LineSpec
from needlepoint.clinic.payments.tenders import TenderSpec, fail, new_tender
from tests.clinic.payments.conftest import AFTER_VISIT, PayWorld, make_pay_world
from tests.clinic.payments.helpers import assert_ledger_consistent
from tests.conftest import ClinicWorld

pytestmark = pytest.mark.django_db


@pytest.fixture(name="pw")
def _pay_world(clinic_a: ClinicWorld) -> PayWorld:
    return make_pay_world(clinic_a)


LINE = LineSpec(kind="treatment", description="Microneedling: face", unit_price_minor=20000, areas=("face",))


def _consent(pw: PayWorld, agreed: bool = True) -> None:
    Client.objects.filter(pk=pw.client.pk).update(consent_email=agreed)  # type: ignore[attr-defined]
    pw.client.refresh_from_db()  # type: ignore[attr-defined]


def test_a_receipt_is_queued_with_the_invoice_and_shows_what_was_paid_when_sent(pw: PayWorld) -> None:
    _consent(pw)
    result = check_out(
        pw.visit, CheckoutSpec([LINE], [TenderSpec("cash", 15000)]), actor=pw.desk, now=AFTER_VISIT
    )  # type: ignore[arg-type]
    receipt = OutboxMessage.objects.get(kind=Kind.RECEIPT)
    assert receipt.idempotency_key == f"receipt.{result.invoice.pk}" and receipt.client_id == pw.client.pk  # type: ignore[attr-defined]
    assert receipt.subject == "Your receipt from Clinic A: INV-000001"
    body = body_to_send(receipt)
    assert (
        "Microneedling: face: £200.00" in body and "Cash: £150.00" in body and "Balance due: £50.00" in body
    )
    assert_ledger_consistent(pw.client)


def test_no_receipt_without_consent_to_email(pw: PayWorld) -> None:
    _consent(pw, agreed=False)
    check_out(pw.visit, CheckoutSpec([LINE]), actor=pw.desk, now=AFTER_VISIT)  # type: ignore[arg-type]
    assert not OutboxMessage.objects.filter(kind=Kind.RECEIPT).exists()


def test_a_refused_checkout_sends_no_receipt(pw: PayWorld) -> None:
    _consent(pw)
    with pytest.raises(Exception, match="more than is due"):
        check_out(pw.visit, CheckoutSpec([LINE], [TenderSpec("cash", 99999)]), actor=pw.desk, now=AFTER_VISIT)  # type: ignore[arg-type]
    assert not OutboxMessage.objects.filter(kind=Kind.RECEIPT).exists()


@pytest.mark.parametrize(
    ("purpose", "sent"), [("membership", True), ("fee", True), ("deposit", False), ("payment", False)]
)
def test_a_failed_membership_or_fee_charge_asks_the_client_to_update_the_card(
    pw: PayWorld, purpose: str, sent: bool
) -> None:
    _consent(pw)
    tender = new_tender(
        pw.client,
        TenderSpec("stripe", 4900),
        at=AFTER_VISIT,
        by=None,
        purpose=purpose,
        status="pending",  # type: ignore[arg-type]
    )
    fail(tender, "Your card has expired.")
    fail(tender, "Your card has expired.")  # a retry of the same charge: one email
    found = list(OutboxMessage.objects.filter(kind=Kind.PAYMENT_FAILED))
    assert len(found) == (1 if sent else 0)
    if sent:
        body = found[0].body
        assert (
            "£49.00" in body
            and "Your card has expired." in body
            and f"/portal/{pw.world.clinic.slug}/" in body
        )  # type: ignore[attr-defined]
        assert found[0].recipient == pw.client.email  # type: ignore[attr-defined]
    assert_ledger_consistent(pw.client)


def test_the_events_reach_messaging(pw: PayWorld) -> None:
    from needlepoint.clinic.messaging import payment_messages

    assert payment_messages.on_invoice_issued in events.subscribers(events.InvoiceIssued)
    assert payment_messages.on_payment_failed in events.subscribers(events.PaymentFailed)
