"""Owner actions on webhook endpoints: create, edit, rotate the secret, send a test event."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from needlepoint import clock
from needlepoint.clinic.clinics.models import Clinic
from needlepoint.clinic.errors import InvalidInput

from .events import envelope
from .models import TEST_EVENT, Event, WebhookDelivery, WebhookEndpoint, new_secret
from .netguard import UnsafeURL, check_url

ROTATION_GRACE = timedelta(hours=24)


class WebhookError(InvalidInput):
    """A request the owner can correct (shown as a 4xx message)."""


def _validate(url: str, events: list[str]) -> None:
    try:
        check_url(url, resolve=True)
    except UnsafeURL as exc:
        raise WebhookError(str(exc), field="url") from exc
    unknown = sorted(set(events) - set(Event.values))
    if unknown:
        raise WebhookError(f"Unknown events: {', '.join(unknown)}.", field="events")
    if not events:
        raise WebhookError("Choose at least one event.", field="events")


def save_endpoint(
    clinic: Clinic,
    *,
    url: str,
    events: list[str],
    description: str = "",
    active: bool = True,
    endpoint: WebhookEndpoint | None = None,
) -> WebhookEndpoint:
    _validate(url, events)
    ep = endpoint or WebhookEndpoint(clinic=clinic)
    ep.url, ep.events, ep.description, ep.active = url, sorted(set(events)), description, active
    try:
        ep.full_clean()
    except ValidationError as exc:
        raise WebhookError("; ".join(exc.messages), field="url") from exc
    ep.save()
    return ep


def rotate_secret(endpoint: WebhookEndpoint, *, grace: timedelta = ROTATION_GRACE) -> WebhookEndpoint:
    """New secret at once; the old one keeps signing alongside for `grace` so the receiver can
    switch without rejecting deliveries in flight."""
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = clock.now() + grace if grace else None
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])
    return endpoint


@transaction.atomic
def send_test_event(endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Queue a `webhook.test` delivery to this endpoint alone (subscribed or not, even inactive
    endpoints are refused: the worker would drop it)."""
    if not endpoint.active:
        raise WebhookError("This endpoint is disabled: enable it before sending a test event.")
    try:
        check_url(endpoint.url)
    except UnsafeURL as exc:
        raise WebhookError(f"{exc} Correct the address before sending a test event.", field="url") from exc
    now = clock.now()
    delivery_id = f"evt_{uuid.uuid4().hex}"
    data: dict[str, Any] = {"message": "Test event from Needlepoint", "endpoint_id": endpoint.pk}
    return WebhookDelivery.objects.create(
        clinic_id=endpoint.clinic_id,
        endpoint=endpoint,
        event=TEST_EVENT,
        payload=envelope(TEST_EVENT, delivery_id, endpoint.clinic_id, data, now),
        idempotency_id=delivery_id,
        max_attempts=endpoint.max_attempts,
        next_attempt_at=now,
        created_at=now,
    )


def retry_now(delivery: WebhookDelivery) -> None:
    """Owner's "retry" on a failed delivery: one more round of attempts from now."""
    if delivery.status != "failed":
        raise WebhookError("Only a failed delivery can be retried.")
    WebhookDelivery.objects.filter(pk=delivery.pk, status="failed").update(
        status="pending",
        next_attempt_at=clock.now(),
        max_attempts=delivery.attempts + delivery.endpoint.max_attempts,
    )
