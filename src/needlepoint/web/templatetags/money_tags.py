"""Amounts as people read them: ``{{ invoice.total_minor|money:invoice.currency }}`` → "£540.00"."""

from __future__ import annotations

from django import template

from needlepoint.clinic.payments.money import format_minor

register = template.Library()


@register.filter
def money(minor: int | None, currency: str) -> str:
    return format_minor(int(minor or 0), str(currency))


@register.filter
def minor(value: int | None, currency: str = "GBP") -> str:
    # packages' templates use this name; same formatting as `money`
    return format_minor(int(value or 0), str(currency or "GBP"))


@register.filter
def percent(basis_points: int | None) -> str:
    """2000 → "20%", 550 → "5.5%"."""
    value = int(basis_points or 0) / 100
    return f"{value:g}%"
