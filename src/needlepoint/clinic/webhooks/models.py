"""Webhook endpoints a clinic subscribes, the deliveries queued for them and every attempt made."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from needlepoint.clinic.clinics.models import ClinicOwned


class Event(models.TextChoices):
    APPOINTMENT_BOOKED = "appointment.booked", "Appointment booked"
    APPOINTMENT_CANCELLED = "appointment.cancelled", "Appointment cancelled"
    ADVERSE_EVENT_OPENED = "adverse_event.opened", "Adverse event opened"
    REVIEW_PUBLISHED = "review.published", "Review published"
    PAYMENT_SUCCEEDED = "payment.succeeded", "Payment succeeded"
    PAYMENT_REFUNDED = "payment.refunded", "Payment refunded"
    INVOICE_ISSUED = "invoice.issued", "Invoice issued"


# Sent only by "Send test event"; never subscribable.
TEST_EVENT = "webhook.test"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def validate_events(value: Any) -> None:
    from django.core.exceptions import ValidationError

    if not isinstance(value, list) or not all(v in Event.values for v in value):
        raise ValidationError(f"Events must be a list drawn from {', '.join(Event.values)}.")


class WebhookEndpoint(ClinicOwned):
    url = models.URLField(max_length=500, help_text="http(s) address that receives POSTed JSON")
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, validators=[validate_events])
    secret = models.CharField(max_length=80, default=new_secret, editable=False)
    # After a rotation the old secret still signs (a second v1=) until this time, so the
    # receiver can switch over without dropping deliveries.
    previous_secret = models.CharField(max_length=80, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    active = models.BooleanField(default=True)
    max_attempts = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["url"]
        indexes = [models.Index(fields=["clinic", "active"], name="webhook_endpoint_active")]

    def __str__(self) -> str:
        return self.url

    def subscribes(self, event: str) -> bool:
        return event in (self.events or [])


class WebhookDelivery(ClinicOwned):
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    payload = models.JSONField(encoder=DjangoJSONEncoder)
    idempotency_id = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=10)
    next_attempt_at = models.DateTimeField()
    locked_by = models.CharField(max_length=80, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_due",
                condition=Q(status__in=["pending", "sending"]),
            ),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_endpoint"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} ({self.status})"


class WebhookAttempt(ClinicOwned):
    """One HTTP attempt of a delivery: the delivery log owners read."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempt = models.PositiveSmallIntegerField()
    worker = models.CharField(max_length=80)
    ok = models.BooleanField()
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at"]
