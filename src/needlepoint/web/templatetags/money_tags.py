"""Money as people read it: ``{{ amount|minor:currency }}`` → "£540.00"."""

from __future__ import annotations

from django import template

from needlepoint.clinic.payments.money import format_minor

register = template.Library()


@register.filter
def minor(value: int | None, currency: str = "GBP") -> str:
    return format_minor(int(value or 0), str(currency or "GBP"))
