"""Bounds and parsers for values people type, shared by every surface (web, portal, API, CSV,
services) so none of them can hand the database or `datetime` something it cannot hold.

Pure Python (no Django): the engines may use it too. Why each bound:
- ids: the database's bigint (1..2^63-1); a larger one overflows the driver.
- dates: 1900..2199. `date.max` plus a day (or a zone offset) raises OverflowError, and no
  clinic books, charts or takes time off outside these years.
- integers: ASCII digits only. `str.isdigit()` is true for '²' and '٣', which `int()` then
  refuses or reads as another number.
- single-line text: no control characters (CR/LF would split headers, CSV rows, log lines)."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime

MAX_ID = 2**63 - 1
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2199, 12, 31)
DATE_RANGE_MESSAGE = "Use a date between 1900 and 2199."
INSTANT_MIN = datetime(1900, 1, 2, tzinfo=UTC)  # a day inside the date range, whatever the zone
INSTANT_MAX = datetime(2199, 12, 30, tzinfo=UTC)

_ASCII_INT = re.compile(r"[+-]?[0-9]{1,30}\Z")


def ascii_int(raw: object, *, lo: int | None = None, hi: int | None = None) -> int | None:
    """The integer ``raw`` spells in ASCII digits, within lo..hi; None for anything else."""
    text = str(raw).strip() if raw is not None else ""
    if not _ASCII_INT.match(text):
        return None
    value = int(text)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        return None
    return value


def parse_id(raw: object) -> int | None:
    """A database id (1..2^63-1) from a query string or form value; None if it cannot be one."""
    return ascii_int(raw, lo=1, hi=MAX_ID)


def plausible_date(value: date) -> bool:
    return DATE_MIN <= value <= DATE_MAX


def plausible_instant(value: datetime) -> bool:
    """An aware instant whose local date is plausible in every zone."""
    return value.tzinfo is not None and INSTANT_MIN <= value <= INSTANT_MAX


def parse_date(raw: object) -> date | None:
    """An ISO date (YYYY-MM-DD) within 1900..2199; None for anything else."""
    text = str(raw).strip() if raw is not None else ""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return None
    try:
        value = date.fromisoformat(text)
    except ValueError:
        return None
    return value if plausible_date(value) else None


def control_characters(value: str, *, multiline: bool = False) -> list[str]:
    """The control and separator characters in ``value`` that single-line text must not hold
    (category Cc/Cf/Zl/Zp: CR, LF, NUL, ESC, U+2028, bidi overrides…). Tabs and newlines pass
    in multi-line text."""
    # Zero-width (non-)joiners are format characters that names in Persian, Hindi… need.
    allowed = {"\u200c", "\u200d"} | ({"\n", "\r", "\t"} if multiline else set())
    return [ch for ch in value if ch not in allowed and unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")]


def name_problem(value: str) -> str | None:
    """Why ``value`` cannot be a name (of a person, room, device, type…), or None."""
    if not value.strip():
        return "Give a name (not only spaces)."
    if control_characters(value):
        return "Names are one line of text: remove line breaks and control characters."
    return None


def single_line_problem(value: str) -> str | None:
    if control_characters(value):
        return "Keep this to one line: remove line breaks and control characters."
    return None
