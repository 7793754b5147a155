"""``{{ code|area_name }}``: a protocol area code as people read it ("Cheeks (left)")."""

from __future__ import annotations

from django import template

from needlepoint.protocol import default_protocol

register = template.Library()


@register.filter
def area_name(code: str) -> str:
    return default_protocol().area_name(code) if code else ""


@register.filter
def area_names(codes: list[str]) -> str:
    """``["cheeks.left", "forehead"]`` → "Cheeks (left), Forehead"."""
    return ", ".join(area_name(c) for c in codes or [])
