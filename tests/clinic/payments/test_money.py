"""Money and tax: exact in minor units, whatever the amounts (properties, no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from needlepoint.clinic.errors import InvalidInput
from needlepoint.clinic.payments.money import format_minor, percent_of, to_major, to_minor
from needlepoint.clinic.payments.tax import line_tax

amounts = st.integers(min_value=0, max_value=10**9)
rates = st.integers(min_value=0, max_value=10000)


@given(st.integers(min_value=0, max_value=10**7), st.sampled_from(["GBP", "JPY", "KWD", "EUR"]))
def test_minor_units_round_trip(minor: int, currency: str) -> None:
    assert to_minor(to_major(minor, currency), currency) == minor


@given(amounts, rates)
def test_inclusive_tax_splits_the_price_exactly(amount: int, rate: int) -> None:
    t = line_tax(amount, rate, inclusive=True)
    assert t.net + t.tax == t.gross == amount
    assert 0 <= t.tax <= amount


@given(amounts, rates)
def test_exclusive_tax_adds_within_half_a_unit(amount: int, rate: int) -> None:
    t = line_tax(amount, rate, inclusive=False)
    assert t.net == amount and t.gross == amount + t.tax
    assert abs(t.tax * 10000 - amount * rate) <= 5000


@given(amounts, rates)
def test_percent_of_never_exceeds_the_whole(amount: int, bp: int) -> None:
    assert 0 <= percent_of(amount, bp) <= amount


@pytest.mark.parametrize("text", ["abc", "1.234", "NaN", "Infinity", "99999999999", ""])
def test_what_is_not_money_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        to_minor(text, "GBP")


def test_currencies_without_cents_and_with_three_decimals() -> None:
    assert to_minor("1500", "JPY") == 1500
    assert to_minor("1.005", "KWD") == 1005
    with pytest.raises(InvalidInput):
        to_minor("10.5", "JPY")
    assert format_minor(123450, "GBP") == "£1,234.50"
    assert format_minor(-300, "EUR") == "-€3.00"
    assert format_minor(1500, "JPY") == "¥1,500"
    assert format_minor(1005, "KWD") == "1.005 KWD"
    assert to_major(1, "GBP") == Decimal("0.01")
