"""Opening hours: local wall-clock intervals per weekday, validated and displayed."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def validate_opening_hours(value: Any) -> None:
    if not isinstance(value, dict):
        raise ValidationError("Opening hours must map weekdays (mon…sun) to lists of intervals.")
    for day, intervals in value.items():
        if day not in WEEKDAYS:
            raise ValidationError(f"Unknown weekday '{day}': use one of {', '.join(WEEKDAYS)}.")
        if not isinstance(intervals, list):
            raise ValidationError(f"{day}: expected a list of [open, close] pairs.")
        previous_close = ""
        for pair in intervals:
            if not (isinstance(pair, list | tuple) and len(pair) == 2):
                raise ValidationError(f'{day}: each interval is a pair like ["09:00", "17:00"].')
            start, end = pair
            if not (isinstance(start, str) and _HHMM.match(start)):
                raise ValidationError(f"{day}: '{start}' is not a time like 09:00.")
            if not (isinstance(end, str) and _HHMM.match(end)):
                raise ValidationError(f"{day}: '{end}' is not a time like 17:30.")
            if end <= start:
                raise ValidationError(f"{day}: closing time {end} is not after opening {start}.")
            if start < previous_close:
                raise ValidationError(f"{day}: intervals overlap or are out of order.")
            previous_close = end


def format_opening_hours(value: dict[str, list[list[str]]]) -> list[tuple[str, str]]:
    """(weekday, "09:00–17:00, 18:00–20:00" or "closed") for display."""
    rows = []
    for day in WEEKDAYS:
        intervals = value.get(day) or []
        text = ", ".join(f"{a}–{b}" for a, b in intervals) if intervals else "closed"
        rows.append((day.capitalize(), text))
    return rows
