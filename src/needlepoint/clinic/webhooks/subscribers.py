"""Webhooks react to domain events: one pending delivery per subscribed endpoint, queued in the
publisher's transaction (registered in WebhooksConfig.ready()). Payloads carry identifiers and
codes only; names and free text stay in the clinic."""

from __future__ import annotations

from typing import Any

from needlepoint.clinic import events

from . import payment_events
from .events import appointment_data, emit

# An import is a migration of existing bookings, not a booking: receivers are not told.
SILENT_SOURCES = frozenset({"import"})


def _booked(event: events.AppointmentBooked) -> None:
    if event.source in SILENT_SOURCES:
        return
    data = {**appointment_data(event.appointment), "source": event.source}
    emit(event.clinic_id, "appointment.booked", data)


def _cancelled(event: events.AppointmentCancelled) -> None:
    emit(event.clinic_id, "appointment.cancelled", appointment_data(event.appointment))


def adverse_event_data(adverse_event: Any) -> dict[str, Any]:
    return {
        "adverse_event_id": adverse_event.pk,
        "client_id": adverse_event.client_id,
        "appointment_id": adverse_event.appointment_id,
        "type": adverse_event.type,
        "severity": adverse_event.severity,
        "origin": adverse_event.origin,
        "onset": adverse_event.onset.isoformat() if adverse_event.onset else None,
        "area": adverse_event.area,
    }


def _adverse_event_opened(event: events.AdverseEventOpened) -> None:
    emit(event.clinic_id, "adverse_event.opened", adverse_event_data(event.adverse_event))


def _review_published(event: events.ReviewPublished) -> None:
    review = event.review
    emit(
        event.clinic_id,
        "review.published",
        {"review_id": review.pk, "series_id": review.series_id, "rating": review.rating},
    )


def register() -> None:
    events.subscribe(events.AppointmentBooked, _booked)
    events.subscribe(events.AppointmentCancelled, _cancelled)
    events.subscribe(events.AdverseEventOpened, _adverse_event_opened)
    events.subscribe(events.ReviewPublished, _review_published)
    payment_events.register()
