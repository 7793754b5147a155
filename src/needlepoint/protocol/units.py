"""Shared value types: millimetres as exact decimals."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

from .limits import DEPTH_QUANTUM


def to_mm(value: Any) -> Decimal:
    """Coerce a YAML/JSON number or string to a Decimal with at most 2 decimal places.

    Floats go through ``str`` so ``0.75`` stays ``0.75``; more than two decimals is refused
    rather than rounded, because a silently rounded depth is a different depth.
    """
    if isinstance(value, bool):
        raise ValueError(f"must be a number in mm (got {value!r})")
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int | float | str):
        try:
            d = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"must be a number in mm (got {value!r})") from None
    else:
        raise ValueError(f"must be a number in mm (got {value!r})")
    if not d.is_finite():
        raise ValueError(f"must be a finite number in mm (got {value!r})")
    q = d.quantize(DEPTH_QUANTUM, rounding=ROUND_HALF_UP)
    if q != d:
        raise ValueError(f"at most 2 decimal places (got {value!r})")
    return q


def fmt_mm(value: Decimal) -> str:
    """``Decimal('1.50')`` → ``'1.5'``; ``Decimal('0.75')`` → ``'0.75'``."""
    text = f"{value:.2f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


#: Depth in millimetres: Decimal in Python (maps onto DecimalField(3, 2)), a JSON number on the wire.
Mm = Annotated[
    Decimal,
    BeforeValidator(to_mm),
    PlainSerializer(lambda d: float(d), return_type=float, when_used="json"),
]


def fmt_range(low: Decimal, high: Decimal) -> str:
    """``0.5–1.0`` or just ``0.5`` when both ends are equal."""
    return fmt_mm(low) if low == high else f"{fmt_mm(low)}–{fmt_mm(high)}"


#: Other exact quantities (grams, hours): Decimal in Python, a JSON number on the wire.
JsonDecimal = Annotated[
    Decimal, PlainSerializer(lambda d: float(d), return_type=float, when_used="json")
]
