"""The "Replies from the client" section of the client record."""

from __future__ import annotations

from django import template

from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.messaging import selectors
from needlepoint.clinic.messaging.models import Conversation

register = template.Library()


@register.simple_tag
def client_conversation(client: Client) -> Conversation | None:
    # The client was fetched for this clinic (and the read logged) by the client view.
    return selectors.conversation_for_client(client.clinic, client.pk)
