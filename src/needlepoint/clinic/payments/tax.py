"""Tax on one invoice line, computed once and stored (an invoice never changes when a rate does).

Rates are in basis points (20 % VAT = 2000). A clinic enters prices either tax-inclusive (the
shelf price is what the client pays; the tax is the part of it) or exclusive (tax is added).
Rounding is half up per line, as invoices show it per line.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class LineTax:
    net: int
    tax: int
    gross: int


def line_tax(amount: int, rate_bp: int, *, inclusive: bool) -> LineTax:
    """Split or extend `amount` (minor units, after discounts) by `rate_bp`."""
    if rate_bp < 0:
        raise ValueError("negative tax rate")
    if inclusive:
        net = int((Decimal(amount) * 10000 / (10000 + rate_bp)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        return LineTax(net=net, tax=amount - net, gross=amount)
    tax = int((Decimal(amount) * rate_bp / 10000).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return LineTax(net=amount, tax=tax, gross=amount + tax)
