"""`{{ amount_minor|money:currency }}`: integer minor units shown as money ("£1,234.50")."""

from __future__ import annotations

from django import template

from needlepoint.clinic.payments.money import format_minor

register = template.Library()


@register.filter
def money(minor: int | None, currency: str) -> str:
    return "—" if minor is None else format_minor(int(minor), str(currency))
