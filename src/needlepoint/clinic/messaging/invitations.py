"""Staff invitation emails: queued when clinic.staff publishes StaffInvited, finished by the
worker, which mints the link's secret as it sends (composers), so the outbox and the delivery
log, which other staff can read, never hold a link that would let someone join the clinic."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.urls import reverse

from needlepoint import clock
from needlepoint.clinic import events, staff
from needlepoint.clinic.errors import DomainError

from .backends import PermanentError
from .models import Kind, OutboxMessage
from .services import queue_email

LINK_SLOT = "npi_INVITATION-LINK"  # a placeholder the invitation-accept route accepts
_KEY_PREFIX = "invitation."


def on_invited(event: events.StaffInvited) -> None:
    invitation = event.invitation
    clinic = invitation.clinic
    path = reverse("invitation-accept", kwargs={"token": LINK_SLOT})
    link = getattr(settings, "NEEDLEPOINT_BASE_URL", "").rstrip("/") + path
    body = (
        f"You are invited to join {clinic.name} on Needlepoint as "
        f"{invitation.get_role_display().lower()}.\n\n"
        f"Accept here (the link works once, until {invitation.expires_at:%Y-%m-%d %H:%M} UTC):\n"
        f"{link}\n\n"
        "If you did not expect this, ignore this email: nothing happens unless you accept.\n"
    )
    queue_email(
        clinic.pk,
        invitation.email,
        # One line whatever the clinic's name holds: a header cannot carry a line break.
        " ".join(f"Invitation to join {clinic.name}".split()),
        body,
        kind=Kind.STAFF_INVITATION,
        key=f"{_KEY_PREFIX}{invitation.pk}.{invitation.sent_at.isoformat()}",
    )


def compose(message: OutboxMessage) -> str:
    pk, _, sent_at = message.idempotency_key.removeprefix(_KEY_PREFIX).partition(".")
    try:
        secret = staff.mint_link(int(pk), sent_at=datetime.fromisoformat(sent_at), now=clock.now())
    except DomainError as exc:
        raise PermanentError(
            "the invitation was accepted, withdrawn, re-sent or expired before this email could go"
        ) from exc
    return message.body.replace(LINK_SLOT, secret)
