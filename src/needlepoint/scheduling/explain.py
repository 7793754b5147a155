"""Why no series could be found: the vocabulary of reasons (codes, per-session reasons, the
readable summary). The diagnosis that finds them is diagnosis.py."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

_DAY = timedelta(days=1)


class ReasonCode(StrEnum):
    EMPTY_WINDOW = "empty_window"  # absolute window, gaps and booking limits do not intersect
    OUTSIDE_BOOKING_WINDOW = "outside_booking_window"  # before lead time or beyond horizon
    NO_QUALIFIED_PRACTITIONER = "no_qualified_practitioner"
    NO_SUITABLE_ROOM = "no_suitable_room"
    NO_SUITABLE_DEVICE = "no_suitable_device"
    LOCATION_CLOSED = "location_closed"
    PRACTITIONER_NOT_WORKING = "practitioner_not_working"
    PRACTITIONER_BUSY = "practitioner_busy"
    ROOM_BUSY = "room_busy"
    DEVICE_BUSY = "device_busy"
    CLIENT_BUSY = "client_busy"
    SAME_PRACTITIONER_UNAVAILABLE = "same_practitioner_unavailable"
    NO_COMBINATION = "no_combination"
    SEARCH_LIMIT = "search_limit"


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason; ``session`` is 1-based (``None`` for the series as a whole)."""

    session: int | None
    code: ReasonCode
    message: str
    location_id: str | None = None
    practitioner_id: str | None = None
    first_day: date | None = None
    last_day: date | None = None
    days: tuple[date, ...] = ()


@dataclass(frozen=True, slots=True)
class Explanation:
    reasons: tuple[Reason, ...]
    summary: str

    def for_session(self, session: int) -> list[Reason]:
        return [r for r in self.reasons if r.session == session]


def format_days(days: Iterable[date]) -> str:
    """``2027-02-10..2027-02-14, 2027-02-17`` for runs of consecutive dates."""
    ordered = sorted(set(days))
    runs: list[tuple[date, date]] = []
    for day in ordered:
        if runs and day == runs[-1][1] + _DAY:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return ", ".join(str(a) if a == b else f"{a}..{b}" for a, b in runs)


def summarise(reasons: Iterable[Reason]) -> str:
    """One readable paragraph: series-wide reasons, then each session's reasons together."""
    parts: list[str] = []
    by_session: dict[int, list[Reason]] = defaultdict(list)
    for reason in reasons:
        if reason.session is None:
            parts.append(_sentence(reason.message))
        else:
            by_session[reason.session].append(reason)
    for session, items in sorted(by_session.items()):
        firsts = [r.first_day for r in items if r.first_day is not None]
        lasts = [r.last_day for r in items if r.last_day is not None]
        span = f" ({min(firsts)} to {max(lasts)})" if firsts and lasts else ""
        prefix = f"session {session}: "
        details = "; ".join(
            r.message[len(prefix):] if r.message.startswith(prefix) else r.message for r in items
        )
        parts.append(_sentence(f"Session {session}{span}: {details}"))
    return "No series found. " + " ".join(parts)


def _sentence(text: str) -> str:
    text = text[0].upper() + text[1:]
    return text if text.endswith(".") else text + "."
