"""Messaging reacts to booking events: plan reminders and aftercare (and, after the last session
of a series, the review invitation) on booking, re-plan on a move, withdraw on a cancellation;
and emails staff invitations, receipts and failed card charges (payment_messages).
Registered in MessagingConfig.ready(); runs in the booking's transaction."""

from __future__ import annotations

from needlepoint.clinic import events

from . import composers, invitations, payment_messages, services
from .models import Kind


def _booked(event: events.AppointmentBooked) -> None:
    services.on_booked(event.appointment)


def _moved(event: events.AppointmentMoved) -> None:
    services.on_moved(event.appointment)


def _cancelled(event: events.AppointmentCancelled) -> None:
    services.on_cancelled(event.appointment)


def register() -> None:
    events.subscribe(events.AppointmentBooked, _booked)
    events.subscribe(events.AppointmentMoved, _moved)
    events.subscribe(events.AppointmentCancelled, _cancelled)
    events.subscribe(events.StaffInvited, invitations.on_invited)
    composers.register(Kind.STAFF_INVITATION, invitations.compose)
    events.subscribe(events.InvoiceIssued, payment_messages.on_invoice_issued)
    events.subscribe(events.PaymentFailed, payment_messages.on_payment_failed)
    composers.register(Kind.RECEIPT, payment_messages.compose_receipt)
