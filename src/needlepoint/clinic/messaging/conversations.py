"""Staff work on replies: read a client's conversation, answer it (through the outbox, by text
or email), mark it handled. Front desk answers too (replies are mostly about bookings) but does
not read a reply that named red-flag symptoms: that text is clinical (clinic/sensitivity.py)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from needlepoint.clinic.errors import InvalidInput
from needlepoint.clinic.permissions import Action, Actor, require, require_staff
from needlepoint.clinic.sensitivity import inbound_hidden

from .models import Channel, Conversation, InboundMessage, Kind, OutboxMessage
from .services import queue_email, queue_sms

MAX_SMS = 640  # four segments: an answer, not a letter
MAX_EMAIL = 5000
#: The outbox rows that belong to a conversation (the rest are reminders, shown in the log).
THREAD_KINDS = (Kind.STAFF_ANSWER, Kind.KEYWORD_REPLY)


@dataclass(frozen=True)
class Entry:
    """One line of a conversation as an actor may see it (text None: hidden from them)."""

    at: datetime
    inbound: bool
    channel: str
    subject: str
    text: str | None
    status: str = ""
    keyword: str = ""
    handled: bool = True
    clinical: bool = False


def thread(actor: Actor, conversation: Conversation) -> list[Entry]:
    require(actor, Action.ANSWER_CLIENT, conversation)
    entries = [
        Entry(
            at=m.received_at,
            inbound=True,
            channel=m.channel,
            subject="" if inbound_hidden(actor, m.clinical) else m.subject,
            text=None if inbound_hidden(actor, m.clinical) else m.body,
            keyword=m.keyword,
            handled=m.handled_at is not None,
            clinical=m.clinical,
        )
        for m in conversation.messages.all()
    ]
    answers = OutboxMessage.objects.for_clinic(conversation.clinic_id).filter(
        client_id=conversation.client_id, kind__in=THREAD_KINDS
    )
    entries += [
        Entry(
            at=m.created_at, inbound=False, channel=m.channel, subject=m.subject, text=m.body, status=m.status
        )
        for m in answers
    ]
    return sorted(entries, key=lambda e: e.at)


def _check_channel(conversation: Conversation, channel: str, text: str) -> str:
    client = conversation.client
    if channel == Channel.SMS:
        if not client.phone:
            raise InvalidInput(f"{client.full_name} has no phone number.", field="channel")
        if not client.consent_sms:
            raise InvalidInput(
                f"{client.full_name} does not accept text messages (or replied STOP). Answer by email.",
                field="channel",
            )
        limit = MAX_SMS
    elif channel == Channel.EMAIL:
        if not client.email:
            raise InvalidInput(f"{client.full_name} has no email address.", field="channel")
        if not client.consent_email:
            raise InvalidInput(f"{client.full_name} does not accept email. Answer by text.", field="channel")
        limit = MAX_EMAIL
    else:
        raise InvalidInput("Choose text or email.", field="channel")
    if not text:
        raise InvalidInput("Write an answer first.", field="text")
    if len(text) > limit:
        raise InvalidInput(f"Keep the answer under {limit} characters.", field="text")
    return client.phone if channel == Channel.SMS else client.email


@transaction.atomic
def answer(
    actor: Actor, conversation: Conversation, *, channel: str, text: str, now: datetime
) -> OutboxMessage:
    """Queue the answer and mark the client's replies handled. The same text sent twice in the
    same minute (a double click, a resubmitted form) is queued once."""
    member = require_staff(actor, Action.ANSWER_CLIENT, conversation)
    text = text.strip()
    to = _check_channel(conversation, channel, text)
    digest = hashlib.sha256(f"{channel}\n{text}".encode()).hexdigest()[:16]
    key = f"answer.c{conversation.pk}.{digest}.{now:%Y%m%d%H%M}"
    client = conversation.client
    if channel == Channel.SMS:
        queued = queue_sms(conversation.clinic_id, to, text, kind=Kind.STAFF_ANSWER, key=key, client=client)
    else:
        last = conversation.messages.filter(channel=Channel.EMAIL).exclude(subject="").first()
        subject = (
            f"Re: {last.subject}"
            if last and not last.subject.lower().startswith("re:")
            else (last.subject if last else f"Message from {client.clinic.name}")
        )
        queued = queue_email(
            conversation.clinic_id,
            to,
            " ".join(subject.split()),
            text,
            kind=Kind.STAFF_ANSWER,
            key=key,
            client=client,
        )
    _handled(conversation.messages.all(), member.pk, now)
    return queued


def mark_handled(actor: Actor, conversation: Conversation, *, now: datetime) -> int:
    member = require_staff(actor, Action.ANSWER_CLIENT, conversation)
    return _handled(conversation.messages.all(), member.pk, now)


def dismiss_unmatched(actor: Actor, message: InboundMessage, *, now: datetime) -> int:
    """The owner has looked at a reply nobody could match (a wrong number, a shared phone)."""
    member = require_staff(actor, Action.MANAGE_CLINIC, message)
    return _handled(InboundMessage.objects.filter(pk=message.pk, client=None), member.pk, now)


def _handled(messages, member_id: int, now: datetime) -> int:  # type: ignore[no-untyped-def]
    return messages.filter(handled_at=None).update(handled_at=now, handled_by_id=member_id)
