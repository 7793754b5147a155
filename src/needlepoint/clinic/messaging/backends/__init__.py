"""Delivery backends. Email goes through Django's EMAIL_BACKEND (SMTP, console, or a
django-anymail provider); SMS through the class named by NEEDLEPOINT_SMS_BACKEND."""

from __future__ import annotations

from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class PermanentError(Exception):
    """Retrying will not help (address refused, message rejected): mark the message failed."""


class SmsBackend(Protocol):
    def send(self, to: str, body: str, *, idempotency_key: str, sender: str = "") -> str:
        """Send one text (from `sender`, the clinic's own number, when given); return the
        provider's message id. Raise PermanentError or any other exception (transient: retried)."""
        ...


@cache
def sms_backend() -> SmsBackend:
    path = getattr(
        settings, "NEEDLEPOINT_SMS_BACKEND", "needlepoint.clinic.messaging.backends.sms.ConsoleSmsBackend"
    )
    backend: SmsBackend = import_string(path)()
    return backend
