"""Email through Django's configured backend; one connection per batch."""

from __future__ import annotations

import smtplib
from typing import Any

from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils.html import linebreaks

from . import PermanentError


def message_id(key: str) -> str:
    return f"<{key}@needlepoint.outbox>"


def connection() -> Any:
    return get_connection(fail_silently=False)


def send(conn: Any, *, to: str, subject: str, body: str, key: str, reply_to: str = "") -> str:
    mid = message_id(key)
    email = EmailMultiAlternatives(
        subject=subject,
        body=body,
        to=[to],
        reply_to=[reply_to] if reply_to else None,
        connection=conn,
        headers={"Message-ID": mid, "X-Idempotency-Key": key},
    )
    email.attach_alternative(linebreaks(body, autoescape=True), "text/html")
    try:
        email.send()
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        if all(code >= 500 for code in codes):
            raise PermanentError(f"recipient refused: {exc.recipients}") from exc
        raise
    except smtplib.SMTPResponseException as exc:
        if exc.smtp_code >= 500:
            raise PermanentError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
        raise
    return mid
