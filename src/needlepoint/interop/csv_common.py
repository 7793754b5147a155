"""Shared by CSV import and export: header aliases, dates in ISO or the clinic's locale, local
times → UTC, undoing the export's formula guard on import, and the progress callback type."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from .csv_writer import ESCAPE, FORMULA_START

Progress = Callable[[int, int], None]  # (done, total)

# Locales whose region writes the month first (03/04/2027 is 4 March elsewhere).
MONTH_FIRST_REGIONS = frozenset({"US", "PH", "FM", "MH", "PW", "AS", "GU", "MP", "PR", "VI", "UM"})

_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalise_header(name: str) -> str:
    return _NON_WORD.sub("_", name.strip().lstrip("\ufeff").lower()).strip("_")


def header_map(fieldnames: Iterable[str], aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Canonical field → the file's column name, for every column we recognise."""
    lookup = {normalise_header(alias): canonical for canonical, names in aliases.items() for alias in names}
    lookup.update({canonical: canonical for canonical in aliases})
    found: dict[str, str] = {}
    for column in fieldnames:
        canonical = lookup.get(normalise_header(column))
        if canonical and canonical not in found:
            found[canonical] = column
    return found


def month_first(locale: str) -> bool:
    return locale.rpartition("-")[2].upper() in MONTH_FIRST_REGIONS


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_YEAR_FIRST = re.compile(r"^(\d{4})[./](\d{1,2})[./](\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{2}|\d{4})$")


def parse_date(value: str, locale: str) -> date:
    try:
        return _parse_date(value, locale)
    except ValueError as exc:
        if str(exc).startswith("'"):
            raise
        raise ValueError(f"'{value}' is not a valid date ({exc})") from None


def _parse_date(value: str, locale: str) -> date:
    """ISO 8601 (2027-03-04), year-first with / or ., or the locale's numeric order
    (04/03/2027 in en-GB, 03/04/2027 in en-US). Two-digit years are refused: too ambiguous
    for dates of birth."""
    v = value.strip()
    m = _ISO.match(v) or _YEAR_FIRST.match(v)
    if m:
        y, mo, d = (int(g) for g in m.groups())
        return date(y, mo, d)
    m = _NUMERIC.match(v)
    if not m:
        fmt = "MM/DD/YYYY" if month_first(locale) else "DD/MM/YYYY"
        raise ValueError(f"'{value}' is not a date (use YYYY-MM-DD or {fmt})")
    a, b, year = m.groups()
    if len(year) != 4:
        raise ValueError(f"'{value}': write the year with four digits")
    mo, d = (int(a), int(b)) if month_first(locale) else (int(b), int(a))
    return date(int(year), mo, d)


_TIME = re.compile(r"^(\d{1,2})[:.h](\d{2})(?::(\d{2}))?\s*([ap]\.?m\.?)?$", re.IGNORECASE)


def parse_time(value: str) -> time:
    m = _TIME.match(value.strip())
    if not m:
        raise ValueError(f"'{value}' is not a time (use HH:MM, 24-hour)")
    h, mi = int(m.group(1)), int(m.group(2))
    suffix = (m.group(4) or "").lower().replace(".", "")
    if suffix:
        if not 1 <= h <= 12:
            raise ValueError(f"'{value}' is not a 12-hour time")
        h = h % 12 + (12 if suffix == "pm" else 0)
    return time(h, mi, int(m.group(3) or 0))


def local_to_utc(day: date, clock: time, zone: str) -> datetime:
    """A wall-clock time at a location → aware UTC. A time the clocks skip (spring forward) or
    pass twice (fall back) is refused rather than guessed."""
    from datetime import UTC

    tz = ZoneInfo(zone)
    naive = datetime.combine(day, clock)
    first, second = naive.replace(tzinfo=tz, fold=0), naive.replace(tzinfo=tz, fold=1)
    # In a gap both folds exist on paper but neither survives a round trip through UTC.
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        raise ValueError(f"{naive:%Y-%m-%d %H:%M} does not exist in {zone} (clocks go forward)")
    if first.utcoffset() != second.utcoffset():
        raise ValueError(f"{naive:%Y-%m-%d %H:%M} happens twice in {zone} (clocks go back): add a UTC offset")
    return first.astimezone(UTC)


TRUE = frozenset({"1", "y", "yes", "true", "t", "x", "oui", "ja", "si", "sí"})
FALSE = frozenset({"", "0", "n", "no", "false", "f", "non", "nein"})


def parse_bool(value: str) -> bool:
    v = value.strip().lower()
    if v in TRUE:
        return True
    if v in FALSE:
        return False
    raise ValueError(f"'{value}' is not yes/no")


def unsafe_cell(value: str) -> str:
    """An imported cell without the apostrophe csv_writer.safe_cell put before a formula-like
    text (so our own exports import back unchanged)."""
    return value[1:] if value.startswith(ESCAPE) and value[1:].startswith((*FORMULA_START, ESCAPE)) else value


def sniff_dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        return csv.excel
