"""The till's live figures: pure, and equal to what checkout then issues."""

from __future__ import annotations

import pytest

from needlepoint.clinic.errors import InvalidInput
from needlepoint.clinic.payments.checkout import CheckoutSpec, check_out
from needlepoint.clinic.payments.checkout_preview import preview, spread_discount
from needlepoint.clinic.payments.invoices import LineSpec

from .conftest import AFTER_VISIT, PayWorld
from .helpers import assert_ledger_consistent

RATES = {"treatment": 0, "product": 2000}


def _lines() -> list[LineSpec]:
    return [
        LineSpec(kind="treatment", description="Face", unit_price_minor=12000, areas=("face",)),
        LineSpec(kind="product", description="Serum", unit_price_minor=3500, quantity=2),
    ]


def test_inclusive_tax_split_per_line_and_what_is_left_to_pay() -> None:
    p = preview(_lines(), rates=RATES, inclusive=True, tip_minor=500, deposit_minor=2000, paying_minor=10000)
    assert [(x.taxed.net, x.taxed.tax, x.taxed.gross) for x in p.lines] == [
        (12000, 0, 12000),
        (5833, 1167, 7000),
    ]
    assert (p.total, p.tax, p.deposit, p.due, p.remaining) == (19500, 1167, 2000, 17500, 7500)


def test_exclusive_tax_is_added_and_package_credit_covers_the_treatment() -> None:
    p = preview(_lines(), rates=RATES, inclusive=False, package_covers_treatment=True, paying_minor=9000)
    assert (p.total, p.credit, p.due) == (20400, 12000, 8400)
    assert p.overpaid and p.over_by == 600


def test_a_deposit_larger_than_the_visit_leaves_nothing_to_pay() -> None:
    p = preview(_lines()[:1], rates=RATES, inclusive=True, deposit_minor=15000)
    assert p.due == -3000 and p.remaining == 0


def test_a_discount_is_spread_in_order_and_needs_a_reason() -> None:
    lines = spread_discount(_lines(), 13000, "Loyalty")
    assert [(x.discount_minor, x.discount_reason) for x in lines] == [(12000, "Loyalty"), (1000, "Loyalty")]
    with pytest.raises(InvalidInput, match="Say why"):
        spread_discount(_lines(), 100, " ")
    with pytest.raises(InvalidInput, match="more than the visit costs"):
        spread_discount(_lines(), 19001, "Too kind")
    assert spread_discount(_lines(), 0, "") == _lines()


@pytest.mark.django_db
def test_the_preview_matches_the_invoice_checkout_issues(pw: PayWorld) -> None:
    lines = spread_discount(
        [
            *_lines()[:1],
            LineSpec(
                kind="product", description="Serum", unit_price_minor=3500, quantity=2, product=pw.product
            ),
        ],  # type: ignore[arg-type]
        1500,
        "Birthday",
    )
    p = preview(lines, rates=RATES, inclusive=True, tip_minor=300)
    invoice = check_out(pw.visit, CheckoutSpec(lines, tip_minor=300), actor=pw.desk, now=AFTER_VISIT).invoice  # type: ignore[arg-type]
    assert (invoice.net_minor, invoice.tax_minor, invoice.total_minor) == (p.net, p.tax, p.total)
    assert invoice.discount_minor == p.discount == 1500
    assert_ledger_consistent(pw.client)
