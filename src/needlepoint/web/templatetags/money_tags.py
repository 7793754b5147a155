"""Amounts as people read them: ``{{ invoice.total_minor|money:invoice.currency }}``."""

from __future__ import annotations

from django import template

from needlepoint.clinic.payments.money import format_minor

register = template.Library()


@register.filter
def money(minor: int | None, currency: str) -> str:
    return format_minor(int(minor or 0), str(currency))


@register.filter
def percent(basis_points: int | None) -> str:
    """2000 → "20%", 550 → "5.5%"."""
    value = int(basis_points or 0) / 100
    return f"{value:g}%"
