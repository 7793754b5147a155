"""Booking writes and searches. Views and the API call these, never the models directly."""

from .book import appointment_fields, book_option, book_series, book_single, decode_option, encode_option
from .changes import (
    Cancellation,
    RescheduleOutcome,
    cancel_appointment,
    reschedule_appointment,
    reschedule_options,
    set_status,
)
from .errors import BookingError, OutsidePolicy, SlotTaken
from .search import SeriesSpec, search_series, search_slots
from .waitlist import accept_offer, add_to_waitlist, expire_offers, offer_freed_slot

__all__ = [
    "BookingError",
    "Cancellation",
    "OutsidePolicy",
    "RescheduleOutcome",
    "SeriesSpec",
    "SlotTaken",
    "accept_offer",
    "add_to_waitlist",
    "appointment_fields",
    "book_option",
    "book_series",
    "book_single",
    "cancel_appointment",
    "decode_option",
    "encode_option",
    "expire_offers",
    "offer_freed_slot",
    "reschedule_appointment",
    "reschedule_options",
    "search_series",
    "search_slots",
    "set_status",
]
