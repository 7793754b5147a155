"""The rules that make a client record one person: a plausible date of birth, and the keys
that find a possible duplicate (email, phone, name + date of birth). One home, used by the
model (forms, API, services), the CSV import and the merge."""

from __future__ import annotations

import unicodedata
from datetime import date

#: Nobody older than this is a client (a typo such as 1852 for 1952).
MAX_AGE_YEARS = 120


def dob_problem(dob: date | None, today: date) -> str | None:
    """Why `dob` cannot be a client's date of birth on `today` (the clinic's local date), or None."""
    if dob is None:
        return None
    if dob > today:
        return "The date of birth is in the future."
    try:
        oldest = today.replace(year=today.year - MAX_AGE_YEARS)
    except ValueError:  # 29 February
        oldest = today.replace(year=today.year - MAX_AGE_YEARS, day=28)
    if dob < oldest:
        return f"The date of birth is more than {MAX_AGE_YEARS} years ago: check the year."
    return None


def name_key(first_name: str, last_name: str) -> str:
    """'Zoë  O'Brien' and 'zoe o’brien' alike: accents stripped, case folded, spaces and
    apostrophes/hyphens ignored."""
    text = unicodedata.normalize("NFKD", f"{first_name} {last_name}")
    kept = "".join(ch for ch in text if not unicodedata.combining(ch))
    return "".join(ch for ch in kept.casefold() if ch.isalnum())[:200]


def email_key(email: str) -> str:
    return (email or "").strip().lower()
