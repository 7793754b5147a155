"""Booking refusals: each carries a message fit to show a person (the API answers 400/409)."""

from __future__ import annotations

from needlepoint.clinic.errors import Conflict, DomainError


class BookingError(DomainError):
    status = 400
    code = "booking_refused"


class SlotTaken(BookingError, Conflict):
    """Someone else booked one of the resources first (or the client is busy then)."""

    status = 409
    code = "conflict"


class OutsidePolicy(BookingError):
    """The clinic's booking or cancellation policy does not allow this."""
