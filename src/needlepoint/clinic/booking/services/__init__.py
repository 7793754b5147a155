"""Booking writes and searches. Views and the API call these, never the models directly."""

from .book import appointment_fields, book_option, book_series, book_single, decode_option, encode_option
from .changes import (
    Cancellation,
    RescheduleOutcome,
    cancel_appointment,
    online_changes_close,
    reschedule_appointment,
    reschedule_options,
    set_status,
    too_late_online,
)
from .errors import BookingError, OutsidePolicy, SlotTaken
from .offers import expire_offers, offer_freed_slot
from .rota import RotaOverlap, ShiftSpec, set_weekly_rota
from .search import PAST_MESSAGE, SeriesSpec, search_series, search_slots, series_problems
from .waitlist import accept_offer, add_to_waitlist

__all__ = [
    "PAST_MESSAGE",
    "BookingError",
    "Cancellation",
    "OutsidePolicy",
    "RescheduleOutcome",
    "RotaOverlap",
    "SeriesSpec",
    "ShiftSpec",
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
    "online_changes_close",
    "reschedule_appointment",
    "reschedule_options",
    "search_series",
    "search_slots",
    "series_problems",
    "set_status",
    "set_weekly_rota",
    "too_late_online",
]
