"""The one clock. Every 'now' and every 'today' in Needlepoint comes from here, so a test can run
the whole system at a fixed instant (``with clock.frozen(at): ...``) and a rule never compares a
booking clock with a different one. ``timezone.now``, ``datetime.now`` and ``date.today`` are
banned elsewhere by ruff (``flake8-tidy-imports.banned-api``).

Pure Python (no Django), so the engines and the CLI can use it too. ``today`` always takes a zone:
a server's local date means nothing to a clinic in another zone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo


def system_now() -> datetime:
    """The machine's real time in UTC, never frozen: for row timestamps Django writes itself
    (``auto_now``) and caches that compare with them."""
    return datetime.now(UTC)


_source: Callable[[], datetime] = system_now


def now() -> datetime:
    """The current instant, aware, in UTC."""
    return _source()


def today(zone: str | tzinfo) -> date:
    """The local date in `zone` (an IANA name or a tzinfo) at the current instant."""
    return local_date(now(), zone)


def local_date(at: datetime, zone: str | tzinfo) -> date:
    """The local date in `zone` at the instant `at` (a caller that already holds its 'now')."""
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    return at.astimezone(tz).date()


def set_source(source: Callable[[], datetime]) -> Callable[[], datetime]:
    """Replace the clock (tests, simulations); returns the previous source to restore."""
    global _source
    previous, _source = _source, source
    return previous


@contextmanager
def frozen(at: datetime) -> Iterator[None]:
    """Run the block at the fixed instant `at` (aware)."""
    if at.tzinfo is None:
        raise ValueError("clock.frozen needs an aware datetime")
    previous = set_source(lambda: at)
    try:
        yield
    finally:
        set_source(previous)
