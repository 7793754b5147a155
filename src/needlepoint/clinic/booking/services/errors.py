"""Booking errors carry a message fit to show a person (views map them to 400/409)."""


class BookingError(Exception):
    status_code = 400


class SlotTaken(BookingError):
    """Someone else booked one of the resources first (or the client is busy then)."""

    status_code = 409


class OutsidePolicy(BookingError):
    """The clinic's booking or cancellation policy does not allow this."""
