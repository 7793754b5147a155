"""Reply-To addresses on client emails: reply+<clinic>-<client>-<mac>@NEEDLEPOINT_REPLY_DOMAIN.
The MAC (keyed with SECRET_KEY) lets an inbound email land on the right client without trusting
its From header, which anyone can write. Lower-case hex only: some mail systems fold the case of
the local part. No expiry: a client may answer a months-old email."""

from __future__ import annotations

import hmac
import re
from email.utils import getaddresses

from django.conf import settings
from django.utils.crypto import salted_hmac

from .models import Kind, OutboxMessage

_SALT = "needlepoint.messaging.reply-to"
_LOCAL = re.compile(r"^reply\+(\d{1,10})-(\d{1,12})-([0-9a-f]{24})$")


def _mac(clinic_id: int, client_id: int) -> str:
    return salted_hmac(_SALT, f"{clinic_id}.{client_id}", algorithm="sha256").hexdigest()[:24]


def domain() -> str:
    return str(getattr(settings, "NEEDLEPOINT_REPLY_DOMAIN", "") or "").strip().lower()


def reply_to(clinic_id: int, client_id: int) -> str:
    """The Reply-To address for an email to this client; "" when no reply domain is set."""
    if not domain():
        return ""
    return f"reply+{clinic_id}-{client_id}-{_mac(clinic_id, client_id)}@{domain()}"


def read(addresses: str) -> tuple[int, int] | None:
    """(clinic id, client id) from the first genuine reply address among `addresses` (a To
    header's value: names, commas…), or None."""
    if not domain():
        return None
    for _, address in getaddresses([addresses]):
        local, _, host = address.strip().lower().rpartition("@")
        found = _LOCAL.match(local)
        if host != domain() or found is None:
            continue
        clinic_id, client_id = int(found[1]), int(found[2])
        if hmac.compare_digest(found[3], _mac(clinic_id, client_id)):
            return clinic_id, client_id
    return None


def reply_to_for(message: OutboxMessage) -> str:
    """The Reply-To of an outgoing email: the client's own address; none on staff mail (a
    red-flag alert names a client but goes to staff)."""
    if message.client_id is None or message.kind in (Kind.STAFF_ALERT, Kind.STAFF_INVITATION):
        return ""
    return reply_to(message.clinic_id, message.client_id)
