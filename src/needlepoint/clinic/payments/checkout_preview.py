"""What the till shows while staff fill in a checkout: lines with their tax, the total, what a
package credit and the deposit cover, and what is left to pay. Pure (no database): the checkout
page and its htmx partial call it with the clinic's rates, so the figures on screen are computed
by the same tax rule the invoice will use (``tax.line_tax``), never by the template."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from needlepoint.clinic.errors import InvalidInput

from .invoices import LineSpec
from .models import ItemKind
from .tax import LineTax, line_tax


@dataclass(frozen=True)
class PreviewLine:
    spec: LineSpec
    tax_rate_bp: int
    taxed: LineTax
    covered_by_credit: bool


@dataclass(frozen=True)
class Preview:
    lines: list[PreviewLine]
    net: int
    tax: int
    tip: int
    total: int  # gross, tip included
    discount: int
    credit: int  # covered by the package credit
    deposit: int  # the deposit held, applied at checkout
    due: int  # what is left to pay in money (negative: the deposit covers more than the visit)
    paying: int  # the tenders typed so far
    remaining: int  # due - paying (negative: more than is due)

    @property
    def overpaid(self) -> bool:
        return self.remaining < 0

    @property
    def over_by(self) -> int:
        return max(-self.remaining, 0)


def spread_discount(lines: Sequence[LineSpec], discount_minor: int, reason: str) -> list[LineSpec]:
    """One discount for the whole visit, spread over the lines in order (each line takes what
    it can, never below zero), so the invoice shows where it went. The reason is required."""
    if discount_minor < 0:
        raise InvalidInput("A discount cannot be negative.", field="discount")
    if not discount_minor:
        return list(lines)
    if not reason.strip():
        raise InvalidInput("Say why the discount was given.", field="discount_reason")
    left = discount_minor
    out = []
    for line in lines:
        take = min(left, max(line.unit_price_minor * line.quantity - line.discount_minor, 0))
        left -= take
        out.append(
            replace(line, discount_minor=line.discount_minor + take, discount_reason=reason.strip())
            if take
            else line
        )
    if left:
        raise InvalidInput("The discount is more than the visit costs.", field="discount")
    return out


def preview(
    lines: Sequence[LineSpec],
    *,
    rates: Mapping[str, int],
    inclusive: bool,
    tip_minor: int = 0,
    package_covers_treatment: bool = False,
    deposit_minor: int = 0,
    paying_minor: int = 0,
) -> Preview:
    """The checkout's figures. `rates`: basis points per item kind; a package credit covers the
    treatment lines' gross (as checkout does); the deposit is taken off what is still due."""
    shown = []
    for line in lines:
        rate = int(rates.get(line.kind, 0))
        taxed = line_tax(max(line.amount, 0), rate, inclusive=inclusive)
        covered = package_covers_treatment and line.kind == ItemKind.TREATMENT
        shown.append(PreviewLine(line, rate, taxed, covered))
    total = sum(p.taxed.gross for p in shown) + tip_minor
    credit = sum(p.taxed.gross for p in shown if p.covered_by_credit)
    due = total - credit - deposit_minor  # negative: the deposit is more than the visit
    return Preview(
        lines=shown,
        net=sum(p.taxed.net for p in shown),
        tax=sum(p.taxed.tax for p in shown),
        tip=tip_minor,
        total=total,
        discount=sum(line.discount_minor for line in lines),
        credit=credit,
        deposit=deposit_minor,
        due=due,
        paying=paying_minor,
        remaining=max(due, 0) - paying_minor,
    )
