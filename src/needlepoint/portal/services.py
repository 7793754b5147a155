"""Magic-link sign-in for the client portal.

The same response whether or not the address belongs to a client (no account enumeration);
tokens are 256-bit random, stored as SHA-256, valid for LINK_MINUTES and usable once; requests
are rate-limited per address and per IP. A link only works for the clinic it was issued by.

The request never talks to the mail server: it queues the email in the outbox (messaging), with
a placeholder where the token goes, and the worker mints the token when it sends
(`compose_sign_in_email`, registered in PortalConfig.ready). So a known and an unknown address
get the same answer in about the same time whatever the mail server does, and the token is never
stored in clear, not even in the outbox.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from needlepoint import clock
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Clinic
from needlepoint.clinic.errors import DomainError, InvalidInput
from needlepoint.clinic.messaging.backends import PermanentError
from needlepoint.clinic.messaging.models import Kind, OutboxMessage
from needlepoint.clinic.messaging.services import queue_email

from .models import LoginRequest, MagicLink

LINK_MINUTES = 20
PER_EMAIL_PER_HOUR = 5
PER_IP_PER_HOUR = 30
# Stands for the token in a queued sign-in email until the worker mints it (URL-safe, and never a
# token: those are token_urlsafe(32), 43 characters).
TOKEN_SLOT = "SIGN-IN-TOKEN"  # noqa: S105 - a placeholder, not a secret
_KEY_PREFIX = "sign-in.l"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str = "") -> None:
        super().__init__(message or "Too many sign-in requests. Please wait an hour and try again.")


class LinkInvalid(InvalidInput):
    """Unknown, expired or already used: one answer for all three."""

    code = "link_invalid"

    def __init__(self, message: str = "") -> None:
        super().__init__(message or "This link cannot be used: it has expired or has already been used.")


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


@dataclass(frozen=True)
class LinkRequestOutcome:
    sent: bool  # for tests and logs only; never shown to the requester


def request_link(
    clinic: Clinic,
    email: str,
    *,
    ip: str | None,
    now: datetime,
    build_url: Callable[[str], str],
) -> LinkRequestOutcome:
    """Queue a sign-in link email if ``email`` belongs to an active client of ``clinic``."""
    email = normalise_email(email)
    hour_ago = now - timedelta(hours=1)
    with transaction.atomic():
        recent = LoginRequest.objects.for_clinic(clinic).filter(at__gte=hour_ago)
        if recent.filter(email_hash=_sha(email)).count() >= PER_EMAIL_PER_HOUR or (
            ip and LoginRequest.objects.filter(ip=ip, at__gte=hour_ago).count() >= PER_IP_PER_HOUR
        ):
            raise RateLimited
        LoginRequest.objects.create(clinic=clinic, email_hash=_sha(email), ip=ip, at=now)
        # Several clients may share an address (a parent and child): each gets their own link.
        clients = list(Client.objects.for_clinic(clinic).filter(email__iexact=email, is_archived=False))
        url = build_url(TOKEN_SLOT)
        for client in clients:
            link = MagicLink.objects.create(
                clinic=clinic,
                client=client,
                # Unusable until the worker mints the real token (compose_sign_in_email).
                token_hash=_sha(secrets.token_urlsafe(32)),
                created_at=now,
                expires_at=now + timedelta(minutes=LINK_MINUTES),
                requested_ip=ip,
            )
            queue_email(
                clinic.pk,
                client.email,
                f"Your sign-in link for {clinic.name}",
                (
                    f"Hello {client.first_name},\n\n"
                    f"Use this link to sign in to your {clinic.name} client portal. It works once and "
                    f"expires in {LINK_MINUTES} minutes:\n\n{url}\n\n"
                    "If you did not ask for it, ignore this email: nobody can sign in without the link.\n"
                ),
                kind=Kind.SIGN_IN_LINK,
                key=f"{_KEY_PREFIX}{link.pk}",
                client=client,
            )
    return LinkRequestOutcome(sent=bool(clients))


def compose_sign_in_email(message: OutboxMessage) -> str:
    """The worker's composer for sign-in emails: mint the link's token now (a retry mints a new
    one, so only the latest email's link works) and put it in the body."""
    link_pk = int(message.idempotency_key.removeprefix(_KEY_PREFIX))
    token = secrets.token_urlsafe(32)
    minted = MagicLink.objects.filter(
        pk=link_pk, clinic_id=message.clinic_id, used_at__isnull=True, expires_at__gt=clock.now()
    ).update(token_hash=_sha(token))
    if minted != 1:
        raise PermanentError("the sign-in link expired or was used before the email could be sent")
    return message.body.replace(TOKEN_SLOT, token)


def peek_link(clinic: Clinic, token: str, *, now: datetime) -> MagicLink:
    """The link if it can still be used (for the confirmation page); does not use it."""
    link = (
        MagicLink.objects.for_clinic(clinic).filter(token_hash=_sha(token)).select_related("client").first()
    )
    if link is None or link.used_at is not None or link.expires_at <= now or link.client.is_archived:
        raise LinkInvalid
    return link


def redeem_link(clinic: Clinic, token: str, *, now: datetime) -> Client:
    """Use the link once: returns its client. The update is conditional, so two concurrent
    clicks cannot both succeed."""
    with transaction.atomic():
        link = peek_link(clinic, token, now=now)
        used = MagicLink.objects.filter(pk=link.pk, used_at__isnull=True, expires_at__gt=now).update(
            used_at=now
        )
        if used != 1:
            raise LinkInvalid
    return link.client
