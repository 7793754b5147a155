"""Money as integer minor units of one ISO 4217 currency: no float, no rounding drift.

A clinic has one currency (``Clinic.currency``); every amount stored in the payments app is an
``int`` of that currency's minor unit (pence, cents; yen have none, dinars three). Decimal is used
only at the edges: parsing what a person typed and showing an amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from needlepoint.clinic.errors import InvalidInput

# ISO 4217 minor-unit exponents that are not 2 (everything else has cents).
_EXPONENT = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
}
_SYMBOL = {"GBP": "£", "EUR": "€", "USD": "$", "AUD": "A$", "CAD": "C$", "NZD": "NZ$", "JPY": "¥"}

#: Largest amount accepted anywhere (10 million major units): a typo, not a treatment.
MAX_MAJOR = Decimal("10000000")


def exponent(currency: str) -> int:
    return _EXPONENT.get(currency.upper(), 2)


def to_minor(amount: Decimal | str | int, currency: str, *, field: str = "amount") -> int:
    """Parse a major-unit amount ("49.99") into minor units, refusing what is not money."""
    try:
        value = Decimal(str(amount).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"'{amount}' is not an amount of money.", field=field) from None
    if not value.is_finite():
        raise InvalidInput(f"'{amount}' is not an amount of money.", field=field)
    if abs(value) > MAX_MAJOR:
        raise InvalidInput(f"{amount} is more than {MAX_MAJOR:,} {currency}: please check it.", field=field)
    exp = exponent(currency)
    quantum = Decimal(1).scaleb(-exp)
    if value != value.quantize(quantum, rounding=ROUND_HALF_UP):
        raise InvalidInput(f"{currency} amounts have at most {exp} decimal places.", field=field)
    return int((value * (10**exp)).to_integral_value())


def to_major(minor: int, currency: str) -> Decimal:
    exp = exponent(currency)
    return (Decimal(minor).scaleb(-exp)).quantize(Decimal(1).scaleb(-exp))


def from_decimal(amount: Decimal, currency: str) -> int:
    """A stored Decimal price (pricing app) in minor units, rounded half up."""
    exp = exponent(currency)
    return int((Decimal(amount) * (10**exp)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_minor(minor: int, currency: str) -> str:
    """ "£1,234.50", "-€3.00", "12,000 JPY"-style text for pages, PDFs and emails."""
    major = to_major(abs(minor), currency)
    sign = "-" if minor < 0 else ""
    symbol = _SYMBOL.get(currency.upper())
    text = f"{major:,}"
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency.upper()}"


def percent_of(minor: int, basis_points: int) -> int:
    """`basis_points`/10 000 of an amount, rounded half up (a 25 % deposit of £99.99 is £25.00)."""
    return int((Decimal(minor) * basis_points / 10000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Money:
    minor: int
    currency: str

    def __str__(self) -> str:
        return format_minor(self.minor, self.currency)

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise InvalidInput(f"Cannot add {other.currency} to {self.currency}.", code="currency_mismatch")
        return Money(self.minor + other.minor, self.currency)
