"""A merged duplicate's conversation: one per client, so when both clients have one the
duplicate's replies join the kept client's conversation (and the emptied row goes); otherwise
the generic move in clients/merge.py takes the duplicate's conversation as it is."""

from __future__ import annotations

from needlepoint.clinic.clients.models import Client

from .models import Conversation, InboundMessage


def join_conversations(keep: Client, merge: Client) -> None:
    theirs = Conversation.objects.filter(client=merge).first()
    ours = Conversation.objects.filter(client=keep).first()
    if theirs is None or ours is None:
        return
    InboundMessage.objects.filter(conversation=theirs).update(conversation=ours)
    latest = max((t for t in (ours.last_inbound_at, theirs.last_inbound_at) if t is not None), default=None)
    if latest != ours.last_inbound_at:
        Conversation.objects.filter(pk=ours.pk).update(last_inbound_at=latest)
    theirs.delete()
