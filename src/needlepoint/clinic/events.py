"""Domain events: what happened, told once, to whoever reacts.

A service that changes something publishes an event (``publish(AppointmentBooked(...))``)
inside its own transaction. Subscribers (messaging, webhooks, the waitlist, reviews, and later
payments) registered in their app's ``ready()`` run at once, in that same transaction, so their
rows (outbox messages, webhook deliveries, waitlist offers) are committed with the change or
rolled back with it: a refused booking sends nothing, a committed one is never without its
reminders. Handlers must be quick and write rows only; slow work (sending) is the worker's.

Why synchronous and not a stored event table: the outbox and delivery tables already are the
durable record of each side effect, and one more insert per event would land on the booking
path that issue 19 is shortening. The publisher does not import its subscribers, so apps under
``clinic/`` do not call their siblings' services for side effects (import-linter keeps it so).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from django.db import connection

E = TypeVar("E", bound="Event")
Handler = Callable[[Any], None]

_subscribers: dict[type[Event], list[Handler]] = defaultdict(list)
_captured: list[list[Event]] = []


@dataclass(frozen=True)
class Event:
    """Base: every event belongs to one clinic."""

    clinic_id: int

    @property
    def name(self) -> str:
        return type(self).__name__


# -- booking -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class AppointmentBooked(Event):
    appointment: Any  # booking.models.Appointment (typed Any: this module imports no app)
    source: str = "staff"  # staff | portal | online | api | import | waitlist


@dataclass(frozen=True)
class AppointmentCancelled(Event):
    appointment: Any
    late: bool = False
    fee_due: Decimal = Decimal("0")
    by_client: bool = False
    waived: bool = False  # an owner waived the penalty, or the clinic moved the client


@dataclass(frozen=True)
class AppointmentMoved(Event):
    appointment: Any
    previous_start: datetime | None = None


@dataclass(frozen=True)
class AppointmentStatusChanged(Event):
    appointment: Any
    previous: str = ""
    status: str = ""


# -- treatment day, outcomes, reviews ------------------------------------------------------------
@dataclass(frozen=True)
class ChartSigned(Event):
    chart: Any  # treatments.models.Chart
    signed_by: Any = None  # accounts.models.Membership


@dataclass(frozen=True)
class AdverseEventOpened(Event):
    adverse_event: Any  # outcomes.models.AdverseEvent


@dataclass(frozen=True)
class ReviewPublished(Event):
    review: Any  # reviews.models.Review


# -- payments ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class InvoiceIssued(Event):
    invoice: Any  # payments.models.Invoice


@dataclass(frozen=True)
class PaymentRecorded(Event):
    """Money received (a tender succeeded): cash, terminal, transfer or a Stripe charge."""

    tender: Any  # payments.models.Tender


@dataclass(frozen=True)
class PaymentRefunded(Event):
    tender: Any  # the tender refunded (in part or whole)
    amount_minor: int = 0
    reason: str = ""


@dataclass(frozen=True)
class PaymentFailed(Event):
    """A charge the clinic expected did not go through (declined, expired card, SCA needed)."""

    tender: Any
    purpose: str = ""  # deposit | fee | membership | instalment | payment
    message: str = ""


# -- staff ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StaffInvited(Event):
    """An invitation was issued or re-sent; messaging emails it and mints its link at send time."""

    invitation: Any  # accounts.models.Invitation


def subscribe(event_type: type[E], handler: Callable[[E], None]) -> None:
    """Call `handler(event)` for every published `event_type` (and its subclasses). Idempotent, so
    an app's ``ready()`` may run twice (tests) without doubling side effects."""
    handlers = _subscribers[event_type]
    if handler not in handlers:
        handlers.append(handler)


def publish(event: Event) -> None:
    """Run every subscriber of `event` now, in the caller's transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError(f"publish({event.name}) outside a transaction: side effects could be lost")
    for recorder in _captured:
        recorder.append(event)
    for kind in type(event).__mro__:
        for handler in _subscribers.get(kind, ()):
            handler(event)


def subscribers(event_type: type[Event]) -> list[Handler]:
    return list(_subscribers.get(event_type, ()))


@contextmanager
def captured() -> Iterator[list[Event]]:
    """Collect the events published inside the block (tests)."""
    recorded: list[Event] = []
    _captured.append(recorded)
    try:
        yield recorded
    finally:
        _captured.remove(recorded)
