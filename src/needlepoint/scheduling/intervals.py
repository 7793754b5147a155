"""Half-open time intervals and the integer time base used inside the engine.

Public values are aware ``datetime`` objects. Inside the search every instant is an ``int`` of
seconds since the Unix epoch (UTC): integer arithmetic and comparisons are several times faster
than ``datetime`` ones and cannot be confused by time zones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from needlepoint.scheduling.errors import InvalidIntervalError, NaiveDatetimeError

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)


def require_aware(value: datetime, what: str = "datetime") -> datetime:
    """Return ``value`` unchanged, or raise :class:`NaiveDatetimeError` if it has no offset."""
    if not isinstance(value, datetime):
        raise NaiveDatetimeError(f"{what} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError(
            f"{what} {value.isoformat()} is naive; pass an aware datetime (e.g. tzinfo=UTC)"
        )
    return value


def to_epoch(value: datetime, what: str = "datetime") -> int:
    """Seconds since the epoch, rounded down (sub-second parts are dropped)."""
    return (require_aware(value, what) - EPOCH) // _SECOND


def to_epoch_ceil(value: datetime, what: str = "datetime") -> int:
    """Seconds since the epoch, rounded up; used for interval ends so busy time never shrinks."""
    delta = require_aware(value, what) - EPOCH
    whole = delta // _SECOND
    return whole + 1 if delta - whole * _SECOND else whole


def from_epoch(seconds: int) -> datetime:
    """The aware UTC datetime for ``seconds`` since the epoch."""
    return EPOCH + timedelta(seconds=seconds)


def seconds(delta: timedelta, what: str = "duration") -> int:
    """A ``timedelta`` as whole seconds; fractional seconds are a configuration error."""
    if not isinstance(delta, timedelta):
        raise InvalidIntervalError(f"{what} must be a timedelta, got {type(delta).__name__}")
    whole = delta // _SECOND
    if whole * _SECOND != delta:
        raise InvalidIntervalError(f"{what} {delta} must be a whole number of seconds")
    return whole


@dataclass(frozen=True, slots=True)
class Interval:
    """A half-open interval ``[start, end)`` between two aware instants, stored in UTC."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        start = require_aware(self.start, "interval start").astimezone(UTC)
        end = require_aware(self.end, "interval end").astimezone(UTC)
        if end <= start:
            raise InvalidIntervalError(
                f"interval end {end.isoformat()} must be after its start {start.isoformat()}"
            )
        # Normalise to UTC so equal instants compare and hash equal whatever zone was given.
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)

    @classmethod
    def from_epoch(cls, start: int, end: int) -> Interval:
        return cls(from_epoch(start), from_epoch(end))

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def overlaps(self, other: Interval) -> bool:
        return overlaps(self, other)

    def contains(self, instant: datetime) -> bool:
        """True if ``instant`` lies in ``[start, end)``."""
        return self.start <= require_aware(instant, "instant") < self.end

    def epoch(self) -> tuple[int, int]:
        """``(start, end)`` as epoch seconds; the end is rounded up."""
        return to_epoch(self.start), to_epoch_ceil(self.end)


def overlaps(a: Interval, b: Interval) -> bool:
    """True if half-open intervals ``a`` and ``b`` share an instant.

    Touching intervals (``a.end == b.start``) do not overlap: back-to-back bookings are allowed.
    """
    return a.start < b.end and b.start < a.end


def overlaps_epoch(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    """:func:`overlaps` for epoch-second pairs (the engine's hot path)."""
    return a_start < b_end and b_start < a_end
