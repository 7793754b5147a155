"""Stripe services: keys, saving a card (SetupIntent), refunds to the card, and reconciling
charges whose answer was lost. Charging goes through ``processor.collect`` like every method.

Reconciliation: a card tender still pending a couple of minutes after it was created means the
answer never got recorded (Stripe timed out or answered 5xx, or the worker was killed between
"charge sent" and "charge recorded"). Its ``StripeCharge`` row holds the exact request: the
worker reads the PaymentIntent back when its id is known, or repeats the request with the same
idempotency key (Stripe answers with the PaymentIntent it already made, or makes it now), and
records the outcome once — ``tenders.settle`` is keyed by the tender.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

import stripe
from django.db import transaction

from needlepoint import clock
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Clinic
from needlepoint.clinic.errors import Conflict, InvalidInput
from needlepoint.clinic.permissions import Action, Actor, is_client, membership_of, require

from . import refunds
from .models import LedgerEntry, Method, Processor, Tender, TenderStatus
from .processor import ChargeOutcome, record_outcome
from .selectors import settings_for
from .stripe_gateway import UNKNOWN, StripeProcessor, account_for, client_for, make_client
from .stripe_models import SavedCard, StripeAccount, StripeCharge, StripeCustomer

log = logging.getLogger(__name__)

#: A card tender younger than this may still be in its till's hands: not reconciled yet.
GRACE = timedelta(minutes=2)
#: How often one still-unknown charge is asked about again.
RECHECK = timedelta(minutes=1)


# -- keys ------------------------------------------------------------------------------------------
def save_keys(
    clinic: Clinic,
    *,
    secret_key: str,
    publishable_key: str,
    webhook_secret: str,
    actor: Actor,
    now: datetime,
) -> StripeAccount:
    """Store the clinic's Stripe keys and switch it to Stripe. A blank secret or webhook secret
    keeps the one stored (the page never shows them back)."""
    require(actor, Action.MANAGE_CLINIC, clinic)
    secret_key, publishable_key, webhook_secret = (
        secret_key.strip(),
        publishable_key.strip(),
        webhook_secret.strip(),
    )
    current = StripeAccount.objects.filter(clinic=clinic).first()
    secret_key = secret_key or (current.secret_key if current else "")
    webhook_secret = webhook_secret or (current.webhook_secret if current else "")
    errors: dict[str, list[str]] = {}
    if not secret_key.startswith(("sk_test_", "sk_live_", "rk_test_", "rk_live_")):
        errors["secret_key"] = [
            "A secret key starts with sk_test_ or sk_live_ (or rk_ for a restricted key)."
        ]
    if not publishable_key.startswith(("pk_test_", "pk_live_")):
        errors["publishable_key"] = ["A publishable key starts with pk_test_ or pk_live_."]
    elif secret_key and secret_key.split("_")[1:2] != publishable_key.split("_")[1:2]:
        errors["publishable_key"] = [
            "Use the publishable key of the same mode (test or live) as the secret key."
        ]
    if webhook_secret and not webhook_secret.startswith("whsec_"):
        errors["webhook_secret"] = ["A webhook signing secret starts with whsec_."]
    if errors:
        raise InvalidInput(fields=errors)
    with transaction.atomic():
        account, _ = StripeAccount.objects.update_or_create(
            clinic=clinic,
            defaults={
                "secret_key": secret_key,
                "publishable_key": publishable_key,
                "webhook_secret": webhook_secret,
                "updated_at": now,
                "updated_by": membership_of(actor),
            },
        )
        ps = settings_for(clinic)
        if ps.processor != Processor.STRIPE:
            ps.processor = Processor.STRIPE
            ps.save(update_fields=["processor"])
    return account


def disconnect(clinic: Clinic, *, actor: Actor) -> None:
    """Back to "paid elsewhere" only; the keys are forgotten."""
    require(actor, Action.MANAGE_CLINIC, clinic)
    with transaction.atomic():
        StripeAccount.objects.filter(clinic=clinic).delete()
        ps = settings_for(clinic)
        ps.processor = Processor.NONE
        ps.save(update_fields=["processor"])


# -- cards -----------------------------------------------------------------------------------------
def ensure_customer(client: Client, sc: stripe.StripeClient | None = None) -> StripeCustomer:
    found = StripeCustomer.objects.filter(client=client).first()
    if found is not None:
        return found
    sc = sc or client_for(client.clinic_id)
    customer = sc.v1.customers.create(
        params={
            "name": f"{client.first_name} {client.last_name}",
            "metadata": {"client": str(client.pk), "clinic": str(client.clinic_id)},
        },
        options={"idempotency_key": f"customer:{client.pk}"},
    )
    obj, _ = StripeCustomer.objects.get_or_create(
        client=client,
        defaults={"clinic_id": client.clinic_id, "customer_id": customer.id, "created_at": clock.now()},
    )
    return obj


def start_card_setup(client: Client) -> tuple[str, str]:
    """A SetupIntent for the card page (portal or staff): returns its client secret and the
    clinic's publishable key for Stripe Elements. The card is saved when Stripe reports the
    SetupIntent succeeded (webhook) or the page calls ``confirm_card_setup``."""
    account = account_for(client.clinic_id)
    sc = make_client(account.secret_key)
    customer = ensure_customer(client, sc)
    intent = sc.v1.setup_intents.create(
        params={  # type: ignore[arg-type]
            "customer": customer.customer_id,
            "usage": "off_session",
            "payment_method_types": ["card"],
            "metadata": {"client": str(client.pk), "clinic": str(client.clinic_id)},
        },
        # One SetupIntent per visit of the page; the key only covers the SDK's own retries.
        options={"idempotency_key": f"setup:{client.pk}:{uuid.uuid4().hex}"},
    )
    return str(intent.client_secret), account.publishable_key


def confirm_card_setup(client: Client, setup_intent_id: str) -> SavedCard:
    """The card page came back from Stripe: read the SetupIntent and save its card."""
    sc = client_for(client.clinic_id)
    intent = sc.v1.setup_intents.retrieve(setup_intent_id).to_dict()
    customer = StripeCustomer.objects.filter(client=client).first()
    if customer is None or intent.get("customer") != customer.customer_id:
        raise InvalidInput("That card setup is not this client's.", code="wrong_setup_intent")
    if intent.get("status") != "succeeded":
        raise Conflict("The card was not saved: the bank did not confirm it.", code="setup_not_succeeded")
    return save_card_from_setup(client.clinic_id, intent, sc=sc)


def save_card_from_setup(
    clinic_id: int, intent: dict[str, Any], *, sc: stripe.StripeClient | None = None
) -> SavedCard:
    """Save the card of a succeeded SetupIntent (``setup_intent.succeeded`` or the page's
    return) once: the payment method id is unique per clinic."""
    pm_ref = intent.get("payment_method")
    pm_id = pm_ref.get("id") if isinstance(pm_ref, dict) else pm_ref
    if not pm_id:
        raise Conflict("The SetupIntent has no card.", code="setup_without_card")
    customer = StripeCustomer.objects.filter(clinic_id=clinic_id, customer_id=intent.get("customer")).first()
    if customer is None:
        raise Conflict("The SetupIntent belongs to no client of this clinic.", code="unknown_customer")
    existing = SavedCard.objects.filter(clinic_id=clinic_id, payment_method_id=pm_id).first()
    if existing is not None:
        return existing
    pm = (sc or client_for(clinic_id)).v1.payment_methods.retrieve(str(pm_id)).to_dict()
    card = pm.get("card") or {}
    obj, _ = SavedCard.objects.get_or_create(
        clinic_id=clinic_id,
        payment_method_id=pm_id,
        defaults={
            "client_id": customer.client_id,
            "brand": str(card.get("brand") or "")[:20],
            "last4": str(card.get("last4") or "")[:4],
            "exp_month": int(card.get("exp_month") or 1),
            "exp_year": int(card.get("exp_year") or 2000),
            "created_at": clock.now(),
        },
    )
    return obj


def remove_card(card: SavedCard, *, actor: Actor, now: datetime) -> None:
    """Stop charging a card (the client replaced it or asked). Detached at Stripe best-effort."""
    require(actor, Action.PAY_ONLINE if is_client(actor) else Action.TAKE_PAYMENT, card)
    SavedCard.objects.filter(pk=card.pk, removed_at__isnull=True).update(removed_at=now)
    try:
        client_for(card.clinic_id).v1.payment_methods.detach(card.payment_method_id)
    except stripe.StripeError as err:
        log.warning("stripe: could not detach %s: %s", card.payment_method_id, err)


# -- refunds ---------------------------------------------------------------------------------------
def refund_card(
    tender: Tender, amount_minor: int, *, reason: str, actor: Actor, now: datetime
) -> LedgerEntry:
    """Refund (part of) a card payment taken through Stripe: the one refund path
    (``refunds.refund_tender``) with the clinic's Stripe processor. Its Stripe call carries
    ``refund:<tender>:<n>``, so pressing the button again after a timeout makes no second
    refund; the ``charge.refunded`` webhook then finds the amount already recorded."""
    if tender.method != Method.STRIPE:
        raise Conflict("Only card payments taken through Stripe are refunded here.", code="not_stripe")
    return refunds.refund_tender(tender, amount_minor, reason, actor, now)


# -- reconciliation --------------------------------------------------------------------------------
def reconcile_pending(now: datetime | None = None) -> int:
    """Check every card tender left pending past ``GRACE``; returns how many were asked about."""
    now = now or clock.now()
    due = Tender.objects.filter(
        method=Method.STRIPE, status=TenderStatus.PENDING, created_at__lte=now - GRACE
    ).order_by("created_at", "pk")
    checked = 0
    for tender in due[:50]:
        try:
            checked += _reconcile_one(tender, now)
        except Exception:  # one bad row must not stop the others
            log.exception("stripe: reconciling tender %s failed", tender.pk)
    return checked


def _reconcile_one(tender: Tender, now: datetime) -> int:
    charge = StripeCharge.objects.filter(tender=tender).first()
    if charge is None and tender.processor_id:
        # A PaymentIntent the client confirms on a page (paid online): its webhook records it.
        return 0
    if charge is None:
        # Never reached "charge sent": nothing can have been taken.
        record_outcome(
            tender,
            ChargeOutcome(
                "failed", message="The card was not charged (interrupted before sending): take it again."
            ),
            at=now,
        )
        return 1
    if charge.reconciled_at is not None and charge.reconciled_at > now - RECHECK:
        return 0
    if not StripeAccount.objects.filter(clinic_id=tender.clinic_id).exists():
        return 0
    proc = StripeProcessor(tender.clinic_id)
    outcome = proc.retrieve(charge) if charge.payment_intent_id else proc.send(charge, tender)
    StripeCharge.objects.filter(pk=charge.pk).update(reconciled_at=now)
    if outcome.status != UNKNOWN:
        record_outcome(tender, outcome, at=now)
    return 1


def merge_step(keep: Client, gone: Client) -> None:
    """A merge moves the duplicate's Stripe customer and cards when the kept client has none.
    With a customer each, the cards sit on two Stripe customers and a card of one cannot be
    charged as the other: the owner removes one client's cards (or asks Stripe to) first."""
    if (
        StripeCustomer.objects.filter(client=keep).exists()
        and StripeCustomer.objects.filter(client=gone).exists()
    ):
        raise Conflict(
            "Both clients have cards saved with Stripe: remove one client's saved cards before merging.",
            code="two_stripe_customers",
        )
