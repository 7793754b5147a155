"""`emit`: queue a webhook event for the clinic's subscribed endpoints, inside the caller's
transaction (a rolled-back booking sends nothing; a committed one is delivered by the worker)."""

from __future__ import annotations

import uuid
from typing import Any

from needlepoint import clock
from needlepoint.clinic.clinics.models import Clinic

from .models import Event, WebhookDelivery, WebhookEndpoint


def envelope(event: str, delivery_id: str, clinic_id: int, data: dict[str, Any], at: Any) -> dict[str, Any]:
    """The JSON every receiver gets; `id` is stable across retries (use it to de-duplicate)."""
    return {"id": delivery_id, "type": event, "created": at, "clinic_id": clinic_id, "data": data}


def emit(clinic: Clinic | int, event: str, data: dict[str, Any]) -> None:
    """Insert one pending delivery per active endpoint of `clinic` subscribed to `event`.

    Runs inside booking transactions: with no endpoints it costs one indexed query returning
    nothing. Events are filtered in Python because SQLite has no JSON containment lookup and a
    clinic has a handful of endpoints at most."""
    if event not in Event.values:
        raise ValueError(f"unknown webhook event {event!r}")
    clinic_id = clinic if isinstance(clinic, int) else clinic.pk
    endpoints = [
        (pk, events, max_attempts)
        for pk, events, max_attempts in WebhookEndpoint.objects.filter(
            clinic_id=clinic_id, active=True
        ).values_list("pk", "events", "max_attempts")
        if event in (events or [])
    ]
    if not endpoints:
        return
    now = clock.now()
    rows = []
    for pk, _, max_attempts in endpoints:
        delivery_id = f"evt_{uuid.uuid4().hex}"
        rows.append(
            WebhookDelivery(
                clinic_id=clinic_id,
                endpoint_id=pk,
                event=event,
                payload=envelope(event, delivery_id, clinic_id, data, now),
                idempotency_id=delivery_id,
                max_attempts=max_attempts,
                next_attempt_at=now,
                created_at=now,
            )
        )
    WebhookDelivery.objects.bulk_create(rows)


def appointment_data(appt: Any) -> dict[str, Any]:
    """Identifiers and times only: names and contact details stay in the clinic (the receiver
    fetches more through the API if it is entitled to)."""
    return {
        "appointment_id": appt.pk,
        "client_id": appt.client_id,
        "series_id": appt.series_id,
        "series_index": appt.series_index,
        "appointment_type_id": appt.appointment_type_id,
        "location_id": appt.location_id,
        "practitioner_id": appt.practitioner_id,
        "room_id": appt.room_id,
        "start": appt.start,
        "end": appt.end,
        "status": appt.status,
        "late_cancellation": appt.late_cancellation,
    }
