"""The key django-axes counts failed sign-ins under."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .models import normalise_email


def username_of(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The address as sign-in compares it: every case variant of one address is one account,
    so it must also be one failure count (else `OWNER@…` would get five more tries)."""
    field = settings.AXES_USERNAME_FORM_FIELD
    source = credentials or getattr(request, "data", request.POST)
    raw = source.get(field)
    return normalise_email(raw) if isinstance(raw, str) else raw
