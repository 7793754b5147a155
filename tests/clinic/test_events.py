"""Domain events: publishers announce, subscribers (messaging, webhooks, outcomes) react in the
publisher's transaction, each exactly once."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction

from needlepoint import clock
from needlepoint.clinic import events
from needlepoint.clinic.booking import services as booking
from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.messaging import subscribers as messaging_subscribers
from needlepoint.clinic.messaging.models import OutboxMessage, Status
from needlepoint.clinic.outcomes.models import AdverseEvent
from needlepoint.clinic.permissions import ClientActor
from needlepoint.clinic.reviews.services import publish_review, submit_review
from needlepoint.clinic.treatments import services as treatments
from needlepoint.clinic.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.clinic.booking.conftest import NOW, BookingWorld, make_booking_world, spec
from tests.clinic.outcomes.helpers import finished_series
from tests.clinic.treatments.helpers import START, entry_input, treatment_day
from tests.conftest import ClinicWorld

ALL_HOOKS = ["appointment.booked", "appointment.cancelled", "adverse_event.opened", "review.published"]

# Who reacts to what: (event type, the app modules whose handlers subscribe).
EXPECTED = {
    # payments: a booking asks for its deposit; the cancellation policy prices a cancellation
    # or a no-show; a deposit tender that succeeds confirms the booking.
    events.AppointmentBooked: {"messaging", "webhooks", "payments"},
    events.AppointmentMoved: {"messaging"},
    events.AppointmentCancelled: {"messaging", "webhooks", "payments"},
    events.AppointmentStatusChanged: {"payments"},
    events.PaymentRecorded: {"payments", "webhooks"},
    events.PaymentRefunded: {"webhooks"},
    # messaging: the receipt for an invoice, the "your card failed" email
    events.PaymentFailed: {"messaging"},
    events.InvoiceIssued: {"messaging", "webhooks"},
    events.ChartSigned: {"outcomes"},
    events.AdverseEventOpened: {"webhooks"},
    events.ReviewPublished: {"webhooks"},
}


def _app(handler: Any) -> str:
    return str(handler.__module__).split(".")[2]  # needlepoint.clinic.<app>.subscribers


def _hooks(world: ClinicWorld) -> None:
    WebhookEndpoint.objects.create(clinic=world.clinic, url="https://example.com/h", events=ALL_HOOKS)


@pytest.fixture
def bw(clinic_a: ClinicWorld) -> BookingWorld:
    return make_booking_world(clinic_a)


@pytest.fixture
def treatment_clock() -> Any:
    """'Now' is the treatment helpers' session start (an onset may not lie in the future)."""
    with clock.frozen(START + timedelta(hours=1)):
        yield


def _owner(bw: BookingWorld) -> Any:
    return bw.world.memberships["owner"]


def _book(bw: BookingWorld, sessions: int = 2) -> list[Appointment]:
    client = bw.world.client
    client.consent_email = True
    client.save()
    s = spec(bw, sessions=sessions)
    result, _ = booking.search_series(bw.world.clinic, s, now=NOW)
    series = booking.book_series(bw.world.clinic, s, list(result.options[0].sessions), actor=_owner(bw))
    return list(series.appointments.order_by("series_index"))


def test_publish_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError, match="outside a transaction"):
        events.publish(events.AppointmentBooked(1, appointment=None))


@pytest.mark.parametrize("event_type", list(EXPECTED), ids=lambda t: t.__name__)
def test_each_event_has_exactly_its_subscribers_once(event_type: type[events.Event]) -> None:
    handlers = events.subscribers(event_type)
    assert Counter(_app(h) for h in handlers) == Counter(EXPECTED[event_type])


def test_subscribe_is_idempotent() -> None:
    before = {t: events.subscribers(t) for t in EXPECTED}
    messaging_subscribers.register()  # as a second ready() would
    assert {t: events.subscribers(t) for t in EXPECTED} == before
    seen: list[events.Event] = []
    try:
        events.subscribe(events.AppointmentStatusChanged, seen.append)
        events.subscribe(events.AppointmentStatusChanged, seen.append)
        assert events.subscribers(events.AppointmentStatusChanged) == [
            *before[events.AppointmentStatusChanged],
            seen.append,
        ]
    finally:
        events._subscribers[events.AppointmentStatusChanged].remove(seen.append)


def test_booking_publishes_appointment_booked_and_both_subscribers_react_once(bw: BookingWorld) -> None:
    _hooks(bw.world)
    with events.captured() as published:
        appts = _book(bw)
    booked = [e for e in published if isinstance(e, events.AppointmentBooked)]
    assert [e.appointment for e in booked] == appts
    assert {e.source for e in booked} == {"staff"} and {e.clinic_id for e in booked} == {bw.world.clinic.pk}
    deliveries = WebhookDelivery.objects.filter(event="appointment.booked")
    assert sorted(d.payload["data"]["appointment_id"] for d in deliveries) == [a.pk for a in appts]
    assert {d.payload["data"]["source"] for d in deliveries} == {"staff"}
    for appt in appts:  # reminders planned once each (the idempotency key would hide a second run)
        kinds = list(OutboxMessage.objects.filter(appointment=appt).values_list("kind", flat=True))
        assert kinds and len(kinds) == len(set(kinds))


def test_a_rolled_back_booking_leaves_no_messages_and_no_deliveries(bw: BookingWorld) -> None:
    _hooks(bw.world)

    class Refused(Exception):
        pass

    with pytest.raises(Refused), transaction.atomic():
        _book(bw)
        # inside the booking's transaction the side effects exist ...
        assert OutboxMessage.objects.exists() and WebhookDelivery.objects.exists()
        raise Refused
    # ... and roll back with it
    assert not Appointment.objects.exists()
    assert not OutboxMessage.objects.exists() and not WebhookDelivery.objects.exists()


def test_cancel_and_move_reach_messaging_and_webhooks(bw: BookingWorld) -> None:
    _hooks(bw.world)
    first, second = _book(bw)
    with events.captured() as published:
        booking.cancel_appointment(second, actor=_owner(bw), reason="flu", now=NOW)
    (cancelled,) = published
    assert isinstance(cancelled, events.AppointmentCancelled) and cancelled.appointment.pk == second.pk
    assert not cancelled.late and not cancelled.by_client
    assert WebhookDelivery.objects.filter(event="appointment.cancelled").count() == 1
    assert not OutboxMessage.objects.filter(appointment=second, status=Status.PENDING).exists()

    options = booking.reschedule_options(first, now=NOW)
    # the first session's window is 5-8 January
    slot = next(s for s in options if s.start != first.start and s.start.day in (5, 6, 7, 8))
    with events.captured() as published:
        outcome = booking.reschedule_appointment(first, slot.start, actor=_owner(bw), now=NOW)
    assert outcome.applied
    moved = [e for e in published if isinstance(e, events.AppointmentMoved)]
    assert [(e.appointment.pk, e.previous_start) for e in moved] == [(first.pk, first.start)]


def test_status_change_is_published(bw: BookingWorld) -> None:
    appt = _book(bw, sessions=1)[0]
    with events.captured() as published:
        booking.set_status(appt, "no_show", actor=_owner(bw), now=appt.start + timedelta(hours=2))
    (changed,) = published
    assert isinstance(changed, events.AppointmentStatusChanged)
    assert (changed.previous, changed.status) == ("booked", "no_show")


def test_signing_a_chart_with_a_reaction_opens_an_adverse_event_through_the_subscriber(
    clinic_a: ClinicWorld, treatment_clock: None
) -> None:
    _hooks(clinic_a)
    day = treatment_day(clinic_a)
    chart = treatments.start_chart(day.clinic, day.practitioner, day.appointment, now=START)
    entry = entry_input(day, reactions=["urticaria"])
    treatments.add_chart_entry(day.clinic, day.practitioner, chart, entry, now=START)
    with events.captured() as published:
        treatments.sign_chart(day.clinic, day.practitioner, chart, now=START + timedelta(hours=1))
    assert [e.name for e in published] == ["ChartSigned", "AdverseEventOpened", "AppointmentStatusChanged"]
    adverse = AdverseEvent.objects.get(appointment=day.appointment)
    assert published[1].adverse_event == adverse and adverse.source == f"chart:{chart.pk}"
    delivery = WebhookDelivery.objects.get(event="adverse_event.opened")
    assert delivery.payload["data"]["adverse_event_id"] == adverse.pk


def test_without_the_outcomes_subscriber_signing_opens_nothing(
    clinic_a: ClinicWorld, treatment_clock: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chart is signed either way: the adverse event is the subscriber's doing."""
    monkeypatch.setitem(events._subscribers, events.ChartSigned, [])
    day = treatment_day(clinic_a)
    chart = treatments.start_chart(day.clinic, day.practitioner, day.appointment, now=START)
    entry = entry_input(day, reactions=["urticaria"])
    treatments.add_chart_entry(day.clinic, day.practitioner, chart, entry, now=START)
    treatments.sign_chart(day.clinic, day.practitioner, chart, now=START + timedelta(hours=1))
    assert not AdverseEvent.objects.exists()


def test_publishing_a_review_reaches_webhooks_once(clinic_a: ClinicWorld) -> None:
    _hooks(clinic_a)
    review = submit_review(ClientActor(clinic_a.client), finished_series(clinic_a), rating=5, text="Great")  # type: ignore[arg-type]
    with events.captured() as published:
        publish_review(review, actor=clinic_a.memberships["owner"])  # type: ignore[arg-type]
    assert [e.name for e in published] == ["ReviewPublished"]
    assert WebhookDelivery.objects.get(event="review.published").payload["data"]["review_id"] == review.pk
