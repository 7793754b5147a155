"""Magic-link sign-in for the client portal.

The same response whether or not the address belongs to a client (no account enumeration);
tokens are 256-bit random, stored as SHA-256, valid for LINK_MINUTES and usable once; requests
are rate-limited per address and per IP. A link only works for the clinic it was issued by.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.mail import send_mail
from django.db import transaction

from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Clinic
from needlepoint.clinic.errors import DomainError, InvalidInput

from .models import LoginRequest, MagicLink

LINK_MINUTES = 20
PER_EMAIL_PER_HOUR = 5
PER_IP_PER_HOUR = 30


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
    """Email a sign-in link if ``email`` belongs to an active client of ``clinic``."""
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
        links = []
        for client in clients:
            token = secrets.token_urlsafe(32)
            MagicLink.objects.create(
                clinic=clinic,
                client=client,
                token_hash=_sha(token),
                created_at=now,
                expires_at=now + timedelta(minutes=LINK_MINUTES),
                requested_ip=ip,
            )
            links.append((client, build_url(token)))
    for client, url in links:
        send_mail(
            subject=f"Your sign-in link for {clinic.name}",
            message=(
                f"Hello {client.first_name},\n\n"
                f"Use this link to sign in to your {clinic.name} client portal. It works once and "
                f"expires in {LINK_MINUTES} minutes:\n\n{url}\n\n"
                "If you did not ask for it, ignore this email: nobody can sign in without the link.\n"
            ),
            from_email=None,
            recipient_list=[client.email],
        )
    return LinkRequestOutcome(sent=bool(links))


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
