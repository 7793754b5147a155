"""Form data for the opening-hours grid (setup/forms.py LocationForm), for tests that post it."""

from __future__ import annotations

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def week(**days: list[tuple[str, str]]) -> dict[str, str]:
    """The grid's fields: each named day with its (open, close) ranges, every other day Closed."""
    data: dict[str, str] = {}
    for day in DAYS:
        ranges = days.get(day) or []
        if not ranges:
            data[f"hours_{day}_closed"] = "on"
        for n, (opens, closes) in enumerate(ranges, start=1):
            data[f"hours_{day}_open_{n}"] = opens
            data[f"hours_{day}_close_{n}"] = closes
    return data
