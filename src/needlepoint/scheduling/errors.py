"""Domain errors raised for bad input to the scheduling engine.

All derive from :class:`SchedulingError` (a ``ValueError``) so the Django layer can map the whole
family to a 4xx response with the message shown to staff.
"""

from __future__ import annotations


class SchedulingError(ValueError):
    """Base class: the caller passed something the engine cannot schedule with."""


class NaiveDatetimeError(SchedulingError):
    """A datetime without a time zone was given where an instant is required."""


class InvalidIntervalError(SchedulingError):
    """An interval whose end is not after its start."""


class InvalidWindowError(SchedulingError):
    """A date window or gap window that can never be satisfied (earliest > latest, min > max...)."""


class UnknownTimeZoneError(SchedulingError):
    """A time-zone name that is not in the IANA database available to ``zoneinfo``."""


class InvalidConfigurationError(SchedulingError):
    """Resources, appointment types or policies that are inconsistent or out of range."""


class UnknownResourceError(SchedulingError):
    """A request or booking refers to a location, practitioner, room or device id that is unknown."""
