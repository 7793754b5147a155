"""Shared steps of the Stripe tests: connect the clinic, save a card the way Stripe Elements would,
take a card tender at checkout, deliver signed webhooks, run the worker's Stripe round.

localstripe emits ``payment_intent.succeeded`` / ``payment_intent.payment_failed`` events (read back
from its /v1/events and delivered as Stripe would); it emits no ``charge.refunded`` nor
``setup_intent.succeeded``, and cannot authenticate a SetupIntent (3-D Secure): those events are
built here from the objects localstripe returns, and signed the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from django.test import Client as WebClient

from needlepoint.clinic.payments import stripe_payments, stripe_webhooks
from needlepoint.clinic.payments.checkout import CheckoutSpec, check_out
from needlepoint.clinic.payments.invoices import LineSpec
from needlepoint.clinic.payments.models import SavedCard, StripeAccount, Tender
from needlepoint.clinic.payments.stripe_gateway import client_for
from tests.stripe_server import StripeServer

from .conftest import AFTER_VISIT, PayWorld

VISA = "4242424242424242"
DECLINES = "4000000000000341"  # saves fine, every charge is declined
NEEDS_SCA = "4000002500003155"  # the bank asks for 3-D Secure on every payment


def connect(pw: PayWorld, tag: str = "a") -> StripeAccount:
    return stripe_payments.save_keys(
        pw.world.clinic,  # type: ignore[arg-type]
        secret_key=f"sk_test_{tag}51secret",
        publishable_key=f"pk_test_{tag}51public",
        webhook_secret=f"whsec_{tag}hooksecret",
        actor=pw.owner,  # type: ignore[arg-type]
        now=AFTER_VISIT,
    )


def save_card(pw: PayWorld, number: str = VISA, exp: tuple[int, int] = (12, 2030)) -> SavedCard:
    """What the card page does: a SetupIntent, the browser confirms it with Stripe, the page
    comes back and saves the card."""
    secret, publishable = stripe_payments.start_card_setup(pw.client)  # type: ignore[arg-type]
    assert secret.startswith("seti_") and publishable.startswith("pk_test_")
    setup_id = secret.split("_secret_")[0]
    sc = client_for(pw.world.clinic.pk)  # type: ignore[attr-defined]
    pm = sc.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": number, "exp_month": str(exp[0]), "exp_year": str(exp[1]), "cvc": "123"},
        }
    )
    intent = sc.v1.setup_intents.confirm(setup_id, params={"payment_method": pm.id})
    if intent.status == "succeeded":
        return stripe_payments.confirm_card_setup(pw.client, setup_id)  # type: ignore[arg-type]
    # 3-D Secure at set-up: the client authenticated in the browser (localstripe cannot).
    return stripe_payments.save_card_from_setup(
        pw.world.clinic.pk,  # type: ignore[attr-defined]
        {"customer": intent.customer, "payment_method": pm.id},
    )


def card_tender(pw: PayWorld, amount: int = 20000, visit: Any = None) -> Tender:
    """A checkout paid by the saved card: the tender is pending until the processor answers."""
    line = LineSpec(
        kind="treatment", description="Microneedling: full face", unit_price_minor=amount, areas=("face",)
    )
    result = check_out(
        visit or pw.visit,  # type: ignore[arg-type]
        CheckoutSpec([line], [_stripe_spec(amount)]),
        actor=pw.desk,  # type: ignore[arg-type]
        now=AFTER_VISIT,
    )
    (tender,) = result.pending
    return tender


def _stripe_spec(amount: int) -> Any:
    from needlepoint.clinic.payments.tenders import TenderSpec

    return TenderSpec("stripe", amount)


def signature(payload: str, secret: str, at: int | None = None) -> str:
    at = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{at}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def deliver(
    pw: PayWorld, event: dict[str, Any], *, secret: str | None = None, slug: str | None = None
) -> Any:
    """POST an event to the clinic's webhook as Stripe does (signed with the endpoint secret)."""
    payload = json.dumps(event)
    account = StripeAccount.objects.get(clinic=pw.world.clinic)
    return WebClient().post(
        f"/stripe/webhook/{slug or pw.world.clinic.slug}/",  # type: ignore[attr-defined]
        data=payload,
        content_type="application/json",
        headers={"stripe-signature": signature(payload, secret or account.webhook_secret)},
    )


def event_of(server: StripeServer, kind: str, intent_id: str) -> dict[str, Any]:
    """The event localstripe made for a PaymentIntent."""
    found = [e for e in server.get("/v1/events", type=kind)["data"] if e["data"]["object"]["id"] == intent_id]
    assert found, f"localstripe made no {kind} for {intent_id}"
    return dict(found[0])


def made_up_event(kind: str, obj: dict[str, Any], event_id: str) -> dict[str, Any]:
    return {"id": event_id, "object": "event", "type": kind, "livemode": False, "data": {"object": obj}}


def process_inbox() -> int:
    total = 0
    while n := stripe_webhooks.process_batch("test-worker"):
        total += n
    return total


def intents(server: StripeServer) -> list[dict[str, Any]]:
    return list(server.get("/v1/payment_intents")["data"])
