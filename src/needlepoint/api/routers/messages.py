"""The delivery log of client messages (reminders, aftercare, check-ins), read-only."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from needlepoint.clinic.audit.services import record_access
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.messaging import selectors
from needlepoint.clinic.messaging.models import Kind, OutboxMessage, Status
from needlepoint.clinic.sensitivity import visible_messages

from ..auth import requires
from ..context import access, actor, clinic
from ..pagination import PageParams, paginate
from ..schemas.common import Id, Page, responses
from ..schemas.messages import MessageOut

router = Router(tags=["messages"])


def message_out(m: OutboxMessage) -> dict[str, Any]:
    out = {f: getattr(m, f) for f in MessageOut.model_fields if f != "attempt_log"}
    return out | {"attempt_log": list(m.attempt_log.all())}


@router.get("/messages", response=responses(Page[MessageOut]), auth=requires("messages:read"))
def list_messages(
    request: HttpRequest,
    page: Query[PageParams],
    client_id: Id | None = None,
    status: Status | None = None,
    kind: Kind | None = None,
) -> dict[str, Any]:
    """Newest due first. Recipients and bodies are PHI: the read is access-logged. Red-flag
    staff alerts (symptoms, the client's words) are listed for owners and practitioners only."""
    c = clinic(request)
    client = Client.objects.for_clinic(c).filter(pk=client_id).first() if client_id else None
    qs = selectors.delivery_log(
        c, client_id=client.pk if client else None, status=status or "", kind=kind or ""
    )
    qs = visible_messages(actor(request), qs)
    if client_id and client is None:
        qs = qs.none()
    record_access(access(request), client=client, action="message_log")
    return paginate(qs, page, message_out)
