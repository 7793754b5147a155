"""Stripe as the clinic's card processor (``processor.CardProcessor``), through the official SDK.

Each clinic has its own ``stripe.StripeClient`` built from the keys it entered. A charge is one
PaymentIntent created and confirmed with the saved card, keyed ``tender:<pk>``: before it is
sent a ``StripeCharge`` row is committed ("charge sent") with the exact request, so after a
timeout, a 5xx or a killed worker ``stripe_payments.reconcile_pending`` repeats the *same*
request with the *same* key and Stripe answers with the PaymentIntent it already made.

Outcomes: ``succeeded``; ``failed`` (declined, expired card, keys refused — nothing was taken);
``requires_action`` (the bank wants the client to authenticate, SCA); ``unknown`` (timeout,
connection error, 5xx, 429: maybe charged, so the tender stays pending for reconciliation).
"""

from __future__ import annotations

import logging
from typing import Any

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction

from needlepoint import clock
from needlepoint.clinic.errors import Conflict

from .models import Tender
from .processor import ChargeOutcome, RefundOutcome
from .stripe_models import SavedCard, StripeAccount, StripeCharge, StripeCustomer

log = logging.getLogger(__name__)

UNKNOWN = "unknown"

#: Stripe decline codes worth a sentence of their own for the front desk.
DECLINE_MESSAGES = {
    "expired_card": "The card on file has expired: ask the client for a new card.",
    "insufficient_funds": "The card was declined for insufficient funds.",
    "authentication_required": (
        "The client's bank wants them to confirm this payment (3-D Secure). Ask them to pay in "
        "person or from the portal."
    ),
    "incorrect_cvc": "The card was declined (wrong security code).",
    "card_declined": "The card was declined.",
}

REQUIRES_ACTION = DECLINE_MESSAGES["authentication_required"]


def make_client(secret_key: str) -> stripe.StripeClient:
    """A client for one clinic's account. NEEDLEPOINT_STRIPE_API_BASE points it elsewhere
    (localstripe in tests); the SDK's own retries reuse the request's idempotency key."""
    base = settings.NEEDLEPOINT_STRIPE_API_BASE
    return stripe.StripeClient(
        secret_key,
        base_addresses={"api": base} if base else None,
        max_network_retries=settings.NEEDLEPOINT_STRIPE_RETRIES,
        http_client=stripe.RequestsClient(timeout=settings.NEEDLEPOINT_STRIPE_TIMEOUT),
    )


def account_for(clinic_id: int) -> StripeAccount:
    account = StripeAccount.objects.filter(clinic_id=clinic_id).first()
    if account is None:
        raise Conflict("This clinic has not entered its Stripe keys yet.", code="no_stripe_account")
    return account


def client_for(clinic_id: int) -> stripe.StripeClient:
    return make_client(account_for(clinic_id).secret_key)


def usable_card(client_id: int) -> SavedCard | None:
    """The card a charge uses: the newest one saved and not removed."""
    return SavedCard.objects.filter(client_id=client_id, removed_at__isnull=True).first()


def decline_message(err: stripe.StripeError) -> str:
    code = getattr(err, "code", None) or ""
    error = getattr(err, "error", None)
    decline = getattr(error, "decline_code", None) or ""
    for c in (decline, code):
        if c in DECLINE_MESSAGES:
            return DECLINE_MESSAGES[c]
    text = getattr(err, "user_message", None) or ""
    return f"The card was declined: {text}" if text else DECLINE_MESSAGES["card_declined"]


def outcome_of(intent: Any) -> ChargeOutcome:
    """What a PaymentIntent's status means for the tender."""
    status = intent.get("status")
    pid = str(intent.get("id") or "")
    if status == "succeeded":
        return ChargeOutcome("succeeded", pid)
    if status == "requires_action":
        return ChargeOutcome("requires_action", pid, REQUIRES_ACTION)
    if status in ("requires_payment_method", "canceled"):
        err = intent.get("last_payment_error") or {}
        code = (err.get("decline_code") or err.get("code") or "") if isinstance(err, dict) else ""
        message = DECLINE_MESSAGES.get(code) or (
            f"The card was declined: {err.get('message')}"
            if isinstance(err, dict) and err.get("message")
            else "The payment did not go through."
        )
        return ChargeOutcome("failed", pid, message)
    # processing, requires_confirmation, requires_capture: not final; a webhook or the worker
    # records it when it is.
    return ChargeOutcome(UNKNOWN, pid, "Stripe has not finished this payment yet.")


class StripeProcessor:
    def __init__(self, clinic_id: int) -> None:
        self.clinic_id = clinic_id

    def _client(self) -> stripe.StripeClient:
        return client_for(self.clinic_id)

    def has_card(self, client_id: int) -> bool:
        card = usable_card(client_id)
        return card is not None and not card.expired_on(clock.now().date())

    def charge_saved_card(self, tender: Tender, *, off_session: bool) -> ChargeOutcome:
        card = usable_card(tender.client_id)
        if card is None:
            return ChargeOutcome("failed", message="There is no card on file for this client.")
        if card.expired_on(clock.now().date()):
            return ChargeOutcome("failed", message=DECLINE_MESSAGES["expired_card"])
        customer = StripeCustomer.objects.filter(client_id=tender.client_id).first()
        if customer is None:
            return ChargeOutcome("failed", message="There is no card on file for this client.")
        try:
            with transaction.atomic():
                charge = StripeCharge.objects.create(
                    clinic_id=tender.clinic_id,
                    tender=tender,
                    customer_id=customer.customer_id,
                    payment_method_id=card.payment_method_id,
                    off_session=off_session,
                    created_at=clock.now(),
                )
        except IntegrityError:
            # Already sent once (a second caller, or a retry of the same tender): do not build
            # a new request, repeat the recorded one under its key.
            charge = StripeCharge.objects.get(tender=tender)
        return self.send(charge, tender)

    def send(self, charge: StripeCharge, tender: Tender) -> ChargeOutcome:
        """Create-and-confirm the PaymentIntent `charge` describes, keyed by the tender: the
        first time it charges, every repeat answers the same PaymentIntent."""
        params: dict[str, Any] = {
            "amount": tender.amount_minor,
            "currency": tender.currency.lower(),
            "customer": charge.customer_id,
            "payment_method": charge.payment_method_id,
            "confirm": True,
            "metadata": {
                "tender": str(tender.pk),
                "clinic": str(tender.clinic_id),
                "purpose": tender.purpose,
            },
        }
        if charge.off_session:
            params["off_session"] = True
        try:
            intent = self._client().v1.payment_intents.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": f"tender:{tender.pk}"},
            )
        except stripe.CardError as err:
            pid = _intent_id_of(err)
            status = "requires_action" if err.code == "authentication_required" else "failed"
            outcome = ChargeOutcome(status, pid, decline_message(err))
        except (
            stripe.APIConnectionError,
            stripe.APIError,
            stripe.RateLimitError,
            stripe.IdempotencyError,
        ) as err:
            log.warning("stripe: tender %s outcome unknown: %s", tender.pk, err)
            outcome = ChargeOutcome(UNKNOWN, message="Stripe did not answer; the payment is being checked.")
        except (stripe.AuthenticationError, stripe.PermissionError):
            outcome = ChargeOutcome(
                "failed", message="Stripe refused this clinic's keys: check them under Settings → Payments."
            )
        except stripe.InvalidRequestError as err:
            outcome = ChargeOutcome(
                "failed", _intent_id_of(err), f"Stripe refused the payment: {err.user_message}"
            )
        except stripe.StripeError as err:
            log.warning("stripe: tender %s outcome unknown: %s", tender.pk, err)
            outcome = ChargeOutcome(UNKNOWN, message="Stripe did not answer; the payment is being checked.")
        else:
            outcome = outcome_of(intent.to_dict())
        remember(charge, outcome)
        return outcome

    def retrieve(self, charge: StripeCharge) -> ChargeOutcome:
        try:
            intent = self._client().v1.payment_intents.retrieve(charge.payment_intent_id)
        except stripe.StripeError as err:
            log.warning("stripe: could not read %s: %s", charge.payment_intent_id, err)
            return ChargeOutcome(UNKNOWN, charge.payment_intent_id, "Stripe did not answer.")
        outcome = outcome_of(intent.to_dict())
        remember(charge, outcome)
        return outcome

    def refund(self, tender: Tender, amount_minor: int, *, key: str) -> RefundOutcome:
        if not tender.processor_id:
            return RefundOutcome(False, message="This payment has no Stripe reference to refund.")
        try:
            refund = self._client().v1.refunds.create(
                params={
                    "payment_intent": tender.processor_id,
                    "amount": amount_minor,
                    "metadata": {"tender": str(tender.pk), "key": key},
                },
                options={"idempotency_key": key},
            )
        except (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError) as err:
            log.warning("stripe: refund %s outcome unknown: %s", key, err)
            return RefundOutcome(
                False, message="Stripe did not answer. Try again: the same refund is never made twice."
            )
        except stripe.StripeError as err:
            return RefundOutcome(False, message=f"Stripe refused the refund: {err.user_message or err}")
        if refund.status in ("failed", "canceled"):
            return RefundOutcome(False, str(refund.id), "Stripe could not make this refund.")
        return RefundOutcome(True, str(refund.id))


def _intent_id_of(err: stripe.StripeError) -> str:
    error = getattr(err, "error", None)
    intent = getattr(error, "payment_intent", None) if error is not None else None
    if intent is None or isinstance(intent, str):
        return intent or ""
    return str(getattr(intent, "id", "") or "")


def remember(charge: StripeCharge, outcome: ChargeOutcome) -> None:
    """Keep the PaymentIntent id as soon as Stripe gave one, so later checks read it back
    instead of repeating the request; the tender carries it too (receipts, refunds, webhooks)."""
    fields: dict[str, object] = {"last_status": outcome.status}
    if outcome.processor_id:
        fields["payment_intent_id"] = outcome.processor_id
        Tender.objects.filter(pk=charge.tender_id, processor_id="").update(processor_id=outcome.processor_id)
    StripeCharge.objects.filter(pk=charge.pk).update(**fields)
    for name, value in fields.items():
        setattr(charge, name, value)


def factory(clinic_id: int) -> StripeProcessor:
    return StripeProcessor(clinic_id)
