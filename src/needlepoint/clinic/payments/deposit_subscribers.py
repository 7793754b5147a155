"""Deposits and the cancellation policy react to booking and payment events, in the publisher's
transaction (see clinic/events.py): a booking asks for its deposit, a deposit tender that
succeeds confirms it, a cancellation or a no-show is priced by the policy."""

from __future__ import annotations

from needlepoint import clock
from needlepoint.clinic import events
from needlepoint.clinic.booking.models import AppointmentStatus

from . import cancellation, deposits


def _booked(event: events.AppointmentBooked) -> None:
    if event.source == "import":  # history brought in from another system: nothing to collect
        return
    deposits.request_deposit(event.appointment, now=clock.now())


def _payment(event: events.PaymentRecorded) -> None:
    deposits.mark_paid(event.tender, at=clock.now())


def _cancelled(event: events.AppointmentCancelled) -> None:
    appt = event.appointment
    cancellation.decide_cancellation(appt, at=appt.cancelled_at or clock.now(), waived=event.waived)


def _status(event: events.AppointmentStatusChanged) -> None:
    if event.status == AppointmentStatus.NO_SHOW:
        cancellation.decide_no_show(event.appointment, at=clock.now())


def connect() -> None:
    events.subscribe(events.AppointmentBooked, _booked)
    events.subscribe(events.PaymentRecorded, _payment)
    events.subscribe(events.AppointmentCancelled, _cancelled)
    events.subscribe(events.AppointmentStatusChanged, _status)
