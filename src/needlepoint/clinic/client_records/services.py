"""Archiving a client (hidden from lists, search and the portal; nothing deleted) and undoing
it: an owner's (``permissions.STAFF_RULES``), each with one audit entry naming the actor."""

from __future__ import annotations

from datetime import datetime

from auditlog.context import disable_auditlog
from django.db import transaction

from needlepoint.clinic import permissions
from needlepoint.clinic.audit.services import record_change
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.errors import Conflict
from needlepoint.clinic.permissions import Action, Actor


def archive_client(client: Client, *, actor: Actor, now: datetime | None = None) -> Client:
    """Hide a client from lists and the portal (nothing is deleted; an owner can undo it)."""
    return _set_archived(client, True, actor=actor, action=Action.ARCHIVE_CLIENT)


def unarchive_client(client: Client, *, actor: Actor, now: datetime | None = None) -> Client:
    """Bring an archived client back. A record merged into another stays archived."""
    if client.merged_into_id is not None:
        raise Conflict(
            f"This record was merged into #{client.merged_into_id}; open that client instead.",
            code="merged",
        )
    return _set_archived(client, False, actor=actor, action=Action.UNARCHIVE_CLIENT)


def _set_archived(client: Client, archived: bool, *, actor: Actor, action: Action) -> Client:
    permissions.require(actor, action, client)
    member = permissions.membership_of(actor)
    with transaction.atomic():
        locked = Client.objects.select_for_update().get(pk=client.pk)
        if locked.is_archived == archived:
            client.is_archived = archived
            return client
        locked.is_archived = archived
        with disable_auditlog():  # the one entry below names the actor, in or out of a request
            locked.save(update_fields=["is_archived", "updated_at"])
        record_change(
            locked,
            user=member.user if member is not None else None,
            changes={"is_archived": (not archived, archived)},
            note="archived" if archived else "unarchived",
        )
    client.is_archived = archived
    client.updated_at = locked.updated_at
    return client
