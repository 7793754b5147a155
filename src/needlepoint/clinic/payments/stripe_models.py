"""Stripe's rows: a clinic's keys, the Stripe customer behind a client, the cards saved on it and
the inbox of webhook events the worker processes. Imported at the foot of ``models.py``.

Keys live in the database (entered by the owner on /settings/payments/stripe/), never in the
repository or the environment; the secret and the webhook secret are shown masked and kept out
of the audit trail's diffs."""

from __future__ import annotations

from datetime import date

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from needlepoint.clinic.accounts.models import Membership
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import ClinicOwned


def mask(secret: str) -> str:
    """``sk_test_…c0de``: enough to tell two keys apart, not enough to use one."""
    if not secret:
        return ""
    prefix = secret[: secret.rfind("_", 0, 12) + 1]  # sk_test_, rk_live_, whsec_ (or nothing)
    return f"{prefix}…{secret[-4:]}"


class StripeAccount(ClinicOwned):
    """One per clinic: the keys of the clinic's own Stripe account."""

    secret_key = models.CharField(max_length=255)
    publishable_key = models.CharField(max_length=255)
    webhook_secret = models.CharField(max_length=255, blank=True)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic"], name="one_stripe_account_per_clinic")]

    def __str__(self) -> str:
        return f"Stripe account of {self.clinic_id} ({mask(self.secret_key)})"

    @property
    def test_mode(self) -> bool:
        return not self.secret_key.startswith(("sk_live_", "rk_live_"))

    @property
    def masked_secret(self) -> str:
        return mask(self.secret_key)

    @property
    def masked_webhook_secret(self) -> str:
        return mask(self.webhook_secret)


class StripeCustomer(ClinicOwned):
    """The Stripe customer (``cus_…``) a client's cards are saved on."""

    client = models.OneToOneField(Client, on_delete=models.PROTECT, related_name="stripe_customer")
    customer_id = models.CharField(max_length=80)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic", "customer_id"], name="stripe_customer_once")]

    def __str__(self) -> str:
        return self.customer_id


class SavedCard(ClinicOwned):
    """A card saved through a SetupIntent (``pm_…``). Only what Stripe tells us about it: brand,
    last four digits and expiry; the number never reaches Needlepoint. The newest card that is
    not removed is the one charged."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="saved_cards")
    payment_method_id = models.CharField(max_length=80)
    brand = models.CharField(max_length=20, blank=True)
    last4 = models.CharField(max_length=4, blank=True)
    exp_month = models.PositiveSmallIntegerField()
    exp_year = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "payment_method_id"], name="saved_card_once"),
        ]

    def __str__(self) -> str:
        return f"{self.brand} •••• {self.last4} ({self.exp_month:02d}/{self.exp_year})"

    def expired_on(self, day: date) -> bool:
        """A card is good through the last day of its expiry month."""
        return (self.exp_year, self.exp_month) < (day.year, day.month)


class StripeCharge(ClinicOwned):
    """Written (and committed) just before a PaymentIntent is sent: "charge sent". It keeps the
    exact request (customer, card, on/off session) so the worker can repeat it with the same
    idempotency key after a crash, and the PaymentIntent id once Stripe answered."""

    tender = models.OneToOneField("payments.Tender", on_delete=models.PROTECT, related_name="stripe_charge")
    customer_id = models.CharField(max_length=80)
    payment_method_id = models.CharField(max_length=80)
    off_session = models.BooleanField()
    payment_intent_id = models.CharField(max_length=80, blank=True)
    last_status = models.CharField(max_length=40, blank=True, help_text="Stripe's last answer.")
    created_at = models.DateTimeField()
    reconciled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Charge of tender {self.tender_id} ({self.payment_intent_id or 'no answer yet'})"


class InboxStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    PROCESSING = "processing", "Being processed"
    DONE = "done", "Processed"
    IGNORED = "ignored", "Not needed"
    FAILED = "failed", "Failed (gave up)"


class StripeEvent(ClinicOwned):
    """A webhook event as Stripe sent it, stored before it is acted on. The event id is unique
    per clinic, so a redelivered event is a no-op; the worker claims rows under a lease (the
    same scheme as the outbox and webhook deliveries, clinic/leasing.py) and a crashed worker's
    rows come back when the lease runs out."""

    event_id = models.CharField(max_length=80)
    type = models.CharField(max_length=80)
    payload = models.JSONField(encoder=DjangoJSONEncoder)
    livemode = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=InboxStatus.choices, default=InboxStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=8)
    next_attempt_at = models.DateTimeField()
    locked_by = models.CharField(max_length=80, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["clinic", "event_id"], name="stripe_event_once")]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="stripe_event_due",
                condition=Q(status__in=["pending", "processing"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id} ({self.status})"
