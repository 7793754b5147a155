"""Date windows of a series: absolute per-session windows and gaps after the previous session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from needlepoint.scheduling.errors import InvalidWindowError


def _check_date(value: object, what: str) -> None:
    # ``datetime`` is a subclass of ``date``; an instant here is almost certainly a mistake.
    if value is not None and (isinstance(value, datetime) or not isinstance(value, date)):
        raise InvalidWindowError(f"{what} must be a datetime.date (a local calendar date), got {value!r}")


@dataclass(frozen=True, slots=True)
class DateWindow:
    """Local calendar dates ``[earliest, latest]`` (inclusive); ``None`` = unbounded."""

    earliest: date | None = None
    latest: date | None = None

    def __post_init__(self) -> None:
        _check_date(self.earliest, "window earliest")
        _check_date(self.latest, "window latest")
        if self.earliest is not None and self.latest is not None and self.earliest > self.latest:
            raise InvalidWindowError(
                f"window earliest {self.earliest} is after latest {self.latest}"
            )

    def contains(self, day: date) -> bool:
        return (self.earliest is None or day >= self.earliest) and (
            self.latest is None or day <= self.latest
        )

    def __str__(self) -> str:
        return f"{self.earliest or '...'} to {self.latest or '...'}"


@dataclass(frozen=True, slots=True)
class GapWindow:
    """Whole local calendar days between a session's date and the previous session's date."""

    min_days: int
    max_days: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.min_days, int) or self.min_days < 0:
            raise InvalidWindowError(f"gap min_days must be an integer >= 0, got {self.min_days!r}")
        if self.max_days is not None and (
            not isinstance(self.max_days, int) or self.max_days < self.min_days
        ):
            raise InvalidWindowError(
                f"gap max_days {self.max_days!r} must be an integer >= min_days {self.min_days}"
            )

    def contains(self, days: int) -> bool:
        return days >= self.min_days and (self.max_days is None or days <= self.max_days)

    def __str__(self) -> str:
        upper = "" if self.max_days is None else f"-{self.max_days}"
        return f"{self.min_days}{upper or '+'} days"


ANY_GAP = GapWindow(0, None)
