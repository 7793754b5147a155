"""Client details as people read them."""

from __future__ import annotations

from django import template

from needlepoint.clinic.clients import phones

register = template.Library()


@register.filter
def phone(value: str, region: str = phones.FALLBACK_REGION) -> str:
    """A stored E.164 phone in the clinic's national format (international when foreign):
    ``{{ client.phone|phone:phone_region }}``."""
    return phones.display(value or "", str(region or phones.FALLBACK_REGION))
