"""Soft preferences of a series request and how they score a proposed series.

Preferences never make a series infeasible; they rank the alternatives. Each session earns the
weights of the preferences it meets; the series score is earned / attainable, in ``[0, 1]``
(``1.0`` when the request states no preference).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from enum import StrEnum

from needlepoint.scheduling.errors import InvalidConfigurationError, InvalidWindowError


class SamePractitioner(StrEnum):
    NONE = "none"  # any qualified practitioner for each session
    SOFT = "soft"  # prefer the first session's practitioner for the later ones
    HARD = "hard"  # every session with the same practitioner (whoever that is)


@dataclass(frozen=True, slots=True)
class LocalTimeRange:
    """Preferred arrival times ``[start, end)`` in the location's wall-clock time."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise InvalidWindowError("time-of-day range uses local wall-clock times, without tzinfo")
        if self.end <= self.start:
            raise InvalidWindowError(
                f"time-of-day range end {self.end.isoformat()} must be after start "
                f"{self.start.isoformat()}"
            )

    def contains(self, at: time) -> bool:
        return self.start <= at.replace(tzinfo=None) < self.end


class TimeOfDay(StrEnum):
    MORNING = "morning"  # arrival before 12:00
    AFTERNOON = "afternoon"  # arrival 12:00-17:00
    EVENING = "evening"  # arrival from 17:00

    @property
    def range(self) -> LocalTimeRange:
        return _PARTS_OF_DAY[self]


_PARTS_OF_DAY = {
    TimeOfDay.MORNING: LocalTimeRange(time(0), time(12)),
    TimeOfDay.AFTERNOON: LocalTimeRange(time(12), time(17)),
    TimeOfDay.EVENING: LocalTimeRange(time(17), time(23, 59, 59)),
}


@dataclass(frozen=True, slots=True)
class PreferenceWeights:
    """Relative importance of each preference (continuity of care first by default)."""

    practitioner: float = 3.0
    time_of_day: float = 2.0
    weekday: float = 2.0
    location: float = 1.0

    def __post_init__(self) -> None:
        for name in ("practitioner", "time_of_day", "weekday", "location"):
            if getattr(self, name) < 0:
                raise InvalidConfigurationError(f"preference weight {name} must be >= 0")


@dataclass(frozen=True, slots=True)
class Preferences:
    """What the client would like; all soft except ``same_practitioner=HARD``.

    ``practitioner_id`` names a preferred practitioner for every session. Without it, under
    ``SOFT``/``HARD`` the later sessions are scored against the first session's practitioner.
    ``weekdays`` uses 0 = Monday. ``time_of_day`` applies to the client's arrival time.
    """

    same_practitioner: SamePractitioner = SamePractitioner.SOFT
    practitioner_id: str | None = None
    weekdays: frozenset[int] = field(default_factory=frozenset)
    time_of_day: TimeOfDay | LocalTimeRange | None = None
    location_id: str | None = None
    weights: PreferenceWeights = field(default_factory=PreferenceWeights)

    def __post_init__(self) -> None:
        object.__setattr__(self, "same_practitioner", SamePractitioner(self.same_practitioner))
        object.__setattr__(self, "weekdays", frozenset(self.weekdays))
        if any(not isinstance(w, int) or not 0 <= w <= 6 for w in self.weekdays):
            raise InvalidConfigurationError("preferred weekdays must be 0 (Monday) .. 6 (Sunday)")
        if isinstance(self.time_of_day, str) and not isinstance(self.time_of_day, TimeOfDay):
            object.__setattr__(self, "time_of_day", TimeOfDay(self.time_of_day))

    @property
    def time_range(self) -> LocalTimeRange | None:
        if isinstance(self.time_of_day, TimeOfDay):
            return self.time_of_day.range
        return self.time_of_day

    @property
    def hard_same_practitioner(self) -> bool:
        return self.same_practitioner is SamePractitioner.HARD

    def practitioner_target(self, index: int, first_practitioner: str | None) -> str | None:
        """Whom session ``index`` (0-based) should preferably be with, if anyone."""
        if self.practitioner_id is not None:
            return self.practitioner_id
        if index > 0 and self.same_practitioner is not SamePractitioner.NONE:
            return first_practitioner
        return None

    def attainable(self, index: int) -> float:
        """The most session ``index`` can earn."""
        w = self.weights
        total = 0.0
        if self.practitioner_id is not None or (
            index > 0 and self.same_practitioner is not SamePractitioner.NONE
        ):
            total += w.practitioner
        if self.time_of_day is not None:
            total += w.time_of_day
        if self.weekdays:
            total += w.weekday
        if self.location_id is not None:
            total += w.location
        return total

    def earned(
        self,
        index: int,
        *,
        day: date,
        arrival: time,
        location_id: str,
        practitioner_id: str,
        first_practitioner: str | None,
    ) -> float:
        """What a session with these attributes earns."""
        w = self.weights
        total = 0.0
        target = self.practitioner_target(index, first_practitioner)
        if target is not None and practitioner_id == target:
            total += w.practitioner
        time_range = self.time_range
        if time_range is not None and time_range.contains(arrival):
            total += w.time_of_day
        if self.weekdays and day.weekday() in self.weekdays:
            total += w.weekday
        if self.location_id is not None and location_id == self.location_id:
            total += w.location
        return total
