"""The booking code's 'now', in one place so tests can run the calendar at a fixed instant
without also moving session expiry and every other clock in Django."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
