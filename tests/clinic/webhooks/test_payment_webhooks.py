"""payment.succeeded, payment.refunded and invoice.issued: queued in the money transaction for
subscribed endpoints only, with identifiers and amounts but no names, emails or free text."""

from __future__ import annotations

import json

import pytest

from needlepoint.clinic.errors import InvalidInput
from needlepoint.clinic.payments.checkout import CheckoutSpec, check_out
from needlepoint.clinic.payments.invoices import LineSpec
from needlepoint.clinic.payments.tenders import TenderSpec, refund_paid_elsewhere
from needlepoint.clinic.webhooks import services
from needlepoint.clinic.webhooks.models import WebhookDelivery
from tests.clinic.payments.conftest import AFTER_VISIT, PayWorld, make_pay_world
from tests.clinic.payments.helpers import assert_ledger_consistent
from tests.conftest import ClinicWorld

pytestmark = pytest.mark.django_db
PAYMENT_HOOKS = ["payment.succeeded", "payment.refunded", "invoice.issued"]


@pytest.fixture
def pw(clinic_a: ClinicWorld) -> PayWorld:
    return make_pay_world(clinic_a)


def _line() -> LineSpec:
    return LineSpec(kind="treatment", description="Microneedling: full face", unit_price_minor=20000)


def _payloads(event: str) -> list[dict[str, object]]:
    return [d.payload for d in WebhookDelivery.objects.filter(event=event).order_by("pk")]


def test_checkout_and_refund_queue_the_three_events_without_phi(pw: PayWorld) -> None:
    hook = services.save_endpoint(
        pw.world.clinic, url="https://hooks.example.com/money", events=PAYMENT_HOOKS
    )  # type: ignore[arg-type]
    services.save_endpoint(
        pw.world.clinic, url="https://hooks.example.com/bookings", events=["appointment.booked"]
    )  # type: ignore[arg-type]
    result = check_out(
        pw.visit,  # type: ignore[arg-type]
        CheckoutSpec(
            [_line()], [TenderSpec("cash", 15000, reference="Till 2"), TenderSpec("card_terminal", 5000)]
        ),
        actor=pw.desk,  # type: ignore[arg-type]
        now=AFTER_VISIT,
    )
    refund_paid_elsewhere(
        result.tenders[0], 2500, reason="Client unhappy with bruising", actor=pw.owner, now=AFTER_VISIT
    )  # type: ignore[arg-type]

    (issued,) = _payloads("invoice.issued")
    data = issued["data"]
    assert issued["type"] == "invoice.issued" and issued["clinic_id"] == pw.world.clinic.pk  # type: ignore[attr-defined]
    assert data["invoice_id"] == result.invoice.pk and data["number_text"] == "INV-000001"  # type: ignore[index]
    assert data["total_minor"] == 20000 and data["client_id"] == pw.client.pk  # type: ignore[index, attr-defined]
    succeeded = _payloads("payment.succeeded")
    assert [(p["data"]["method"], p["data"]["amount_minor"]) for p in succeeded] == [  # type: ignore[index]
        ("cash", 15000),
        ("card_terminal", 5000),
    ]
    (refunded,) = _payloads("payment.refunded")
    assert (
        refunded["data"]["tender_id"] == result.tenders[0].pk and refunded["data"]["refunded_minor"] == 2500
    )  # type: ignore[index]
    assert {d.endpoint_id for d in WebhookDelivery.objects.all()} == {hook.pk}
    everything = json.dumps([d.payload for d in WebhookDelivery.objects.all()], default=str)
    client = pw.client
    for secret in (client.first_name, client.last_name, client.email, "bruising", "Till 2"):  # type: ignore[attr-defined]
        assert secret not in everything, secret
    assert_ledger_consistent(pw.client)


def test_a_refused_checkout_queues_nothing(pw: PayWorld) -> None:
    services.save_endpoint(pw.world.clinic, url="https://hooks.example.com/money", events=PAYMENT_HOOKS)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        check_out(
            pw.visit,  # type: ignore[arg-type]
            CheckoutSpec([_line()], [TenderSpec("cash", 20001)]),
            actor=pw.desk,  # type: ignore[arg-type]
            now=AFTER_VISIT,
        )
    assert not WebhookDelivery.objects.exists()
    assert_ledger_consistent(pw.client)


def test_the_events_can_be_subscribed() -> None:
    from needlepoint.clinic.webhooks.models import Event

    assert set(PAYMENT_HOOKS) <= set(Event.values)
