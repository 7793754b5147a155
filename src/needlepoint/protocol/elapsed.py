"""Durations in the protocol ("no make-up for 24 h", "numb for 3 h") are elapsed time.

Python adds a timedelta to an aware datetime on the wall clock: across a clock change
``start + timedelta(hours=24)`` is 23 or 25 real hours later. These helpers add in UTC and show
the result in the zone the instant came in, so "24 h" is always 24 real hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def after(at: datetime, delta: timedelta) -> datetime:
    """The instant `delta` of real time after `at` (before, when negative), in `at`'s zone."""
    if at.tzinfo is None:
        return at + delta
    return (at.astimezone(UTC) + delta).astimezone(at.tzinfo)


def before(at: datetime, delta: timedelta) -> datetime:
    return after(at, -delta)
