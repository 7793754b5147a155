"""The one home for client phone numbers: parsed with ``phonenumbers``, stored in E.164
(``+447700900123``), shown in the clinic's national format.

A number typed without a country code is read in the clinic's **default region**: the country
of its first location (by id) that names one, else the country of the clinic's locale
(``en-GB`` → GB), else GB. Every surface (staff form, API, CSV import, inbound texts) parses
through :func:`to_e164`, so a number is stored one way and matched exactly.

Ofcom reserves 07700 900000–900999 for drama: ``phonenumbers`` calls them invalid (they are
never allocated), but the demo and the tests use them, so that one fictional range is accepted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

if TYPE_CHECKING:
    from needlepoint.clinic.clinics.models import Clinic

FALLBACK_REGION = "GB"
#: Ofcom's drama range (fictional mobile numbers), accepted although never allocated.
FICTIONAL_PREFIXES = ("+447700900",)
MAX_INPUT = 40


class InvalidPhone(ValueError):
    """The text is not a phone number of a real (or the fictional) range."""


def default_region(clinic: Clinic | int) -> str:
    """The country a number without a country code belongs to, for `clinic`."""
    from needlepoint.clinic.clinics.models import Clinic, Location

    country = (
        Location.objects.for_clinic(clinic)
        .exclude(country="")
        .order_by("pk")
        .values_list("country", flat=True)
        .first()
    )
    if country and len(country) == 2:
        return country.upper()
    if isinstance(clinic, int):
        locale = Clinic.objects.filter(pk=clinic).values_list("locale", flat=True).first() or ""
    else:
        locale = clinic.locale or ""
    if "-" in locale:
        return locale.split("-", 1)[1].upper()
    return FALLBACK_REGION


def to_e164(raw: str, region: str) -> str:
    """`raw` (any spelling: spaces, dashes, brackets, 00 or + prefix, or national with `region`)
    in E.164. Raises ``InvalidPhone`` with a message fit to show a person."""
    text = (raw or "").strip()
    example = _example(region)
    if not text:
        raise InvalidPhone("Enter a phone number.")
    if len(text) > MAX_INPUT or not text.isascii():
        raise InvalidPhone(f"'{text[:MAX_INPUT]}' is not a phone number. Use e.g. {example}.")
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        raise InvalidPhone(f"'{text}' is not a phone number. Use e.g. {example}.") from None
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    if phonenumbers.is_valid_number(number) or (
        e164.startswith(FICTIONAL_PREFIXES) and phonenumbers.is_possible_number(number)
    ):
        return e164
    raise InvalidPhone(
        f"'{text}' is not a valid phone number for {region} or with its country code. Use e.g. {example}."
    )


def e164_or_none(raw: str, region: str) -> str | None:
    try:
        return to_e164(raw, region)
    except InvalidPhone:
        return None


def is_e164(value: str) -> bool:
    return value.startswith("+") and value[1:].isascii() and value[1:].isdigit() and 8 <= len(value) <= 16


def display(value: str, region: str) -> str:
    """A stored number for people: national format in the clinic's country, international
    otherwise; a legacy value that does not parse is shown as stored."""
    if not value or not is_e164(value):
        return value
    try:
        number = phonenumbers.parse(value, None)
    except NumberParseException:
        return value
    # By calling code, so that the fictional range (no region of its own) reads nationally too.
    same_country = number.country_code == phonenumbers.country_code_for_region(region)
    return phonenumbers.format_number(
        number, PhoneNumberFormat.NATIONAL if same_country else PhoneNumberFormat.INTERNATIONAL
    )


def _example(region: str) -> str:
    sample = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if sample is None:
        return "+44 7700 900123"
    return phonenumbers.format_number(sample, PhoneNumberFormat.NATIONAL)
