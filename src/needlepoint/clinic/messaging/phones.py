"""Texting numbers. Parsing and E.164 are clients/phones.py's (the one home): clients' phones
are stored in E.164 and a sender is matched to them exactly. The digit comparison below is
only for rows stored before that (a phone the normalising migration could not read, or written
around the model) and for the clinics' own SMS numbers."""

from __future__ import annotations

from needlepoint.clinic.clients import phones as client_phones


def digits(number: str) -> str:
    found = "".join(ch for ch in number if ch.isascii() and ch.isdigit())
    return found[2:] if number.strip().startswith("00") else found  # 0044… is +44…


def as_e164(number: str) -> str | None:
    """An international spelling (+ or 00 and a country code) in E.164; None if it is not one."""
    if not number.strip().startswith(("+", "00")):
        return None
    return client_phones.e164_or_none(number, client_phones.FALLBACK_REGION)


def same_number(a: str, b: str) -> bool:
    """Whether two spellings are one number. A national spelling (trunk 0, or none as in the
    US) matches an international one that ends with it after a 1–3 digit country code."""
    da, db = digits(a), digits(b)
    if not da or not db:
        return False
    if da == db:
        return True
    longer, shorter = (da, db) if len(da) > len(db) else (db, da)
    national = shorter.lstrip("0")
    return len(national) >= 7 and longer.endswith(national) and 1 <= len(longer) - len(national) <= 3
