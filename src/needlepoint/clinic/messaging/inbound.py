"""Replies from clients, as the webhooks hand them over (web/messaging/inbound.py checks who
sent the request; this module decides where each reply belongs and what it sets off).

- A text reaches the clinic whose SMS number it was sent to, and the client whose phone has the
  sender's digits (E.164 or not). STOP/START words change the client's text consent at once,
  are confirmed by one text and withdraw every queued text on STOP.
- An email reaches the clinic and client its Reply-To token names (reply_address); its From
  header is kept for display only. Quoted history is dropped.
- Red-flag words open a reaction report (marked as a reply) that alerts staff, like the form.
- A sender nobody can match is stored unmatched for the owner to review.
Each provider id (MessageSid, Message-ID) is stored once: a replayed webhook changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction

from needlepoint.clinic.clients import phones as client_phones
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Clinic

from . import keywords, phones
from .models import Channel, Conversation, InboundMessage, Keyword, Kind, MessagingSettings, ReportSource
from .quoting import strip_quoted
from .reactions import ReportInput, red_flags_in_text, submit_report
from .services import queue_sms, withdraw_texts

log = logging.getLogger(__name__)

MAX_BODY = 10_000


@dataclass(frozen=True)
class Received:
    status: str  # "stored", "duplicate" or "ignored"
    message: InboundMessage | None = None
    reason: str = ""


def clinic_for_number(to: str) -> int | None:
    """The clinic whose SMS number `to` is (digits compared, however either is spelled)."""
    numbers = MessagingSettings.objects.exclude(sms_number="").values_list("clinic_id", "sms_number")
    found = [clinic_id for clinic_id, number in numbers if phones.same_number(number, to)]
    return found[0] if len(found) == 1 else None


def clients_with_number(clinic_id: int, number: str) -> list[Client]:
    """Clients whose stored phone is the sender's number: E.164 compared exactly (an index
    lookup), plus legacy rows not in E.164 compared by their digits."""
    rows = Client.objects.for_clinic(clinic_id).exclude(phone="").only("pk", "phone", "is_archived")
    e164 = client_phones.e164_or_none(number, client_phones.default_region(clinic_id))
    exact = list(rows.filter(phone=e164)) if e164 else []
    legacy = rows.exclude(phone__regex=r"^\+[0-9]{7,15}$")
    return exact + [c for c in legacy.iterator() if phones.same_number(c.phone, number)]


def _one_client(candidates: list[Client]) -> tuple[Client | None, str]:
    active = [c for c in candidates if not c.is_archived] or candidates
    if len(active) == 1:
        return Client.objects.select_related("clinic").get(pk=active[0].pk), ""
    if not active:
        return None, "no client has this number"
    return None, "several clients have this number"


def _duplicate(channel: str, provider_id: str) -> bool:
    return (
        bool(provider_id) and InboundMessage.objects.filter(channel=channel, provider_id=provider_id).exists()
    )


def _store(message: InboundMessage) -> Received:
    try:
        with transaction.atomic():  # a savepoint: a racing replay loses here, not the caller's transaction
            message.save()
    except IntegrityError:
        return Received("duplicate")
    return Received("stored", message)


def _conversation(client: Client, at: datetime) -> Conversation:
    conversation, _ = Conversation.objects.get_or_create(clinic_id=client.clinic_id, client=client)
    if conversation.last_inbound_at is None or conversation.last_inbound_at < at:
        conversation.last_inbound_at = at
        conversation.save(update_fields=["last_inbound_at"])
    return conversation


def _open_report(client: Client, text: str, flags: list[str], source: str) -> int:
    report, _ = submit_report(
        client,
        None,
        ReportInput(symptoms=flags, days_since_session=None, redness_days=None, free_text=text),
        [],
        source=source,
    )
    return int(report.pk)


def _record(
    clinic_id: int,
    client: Client | None,
    *,
    channel: str,
    sender: str,
    recipient: str,
    subject: str,
    body: str,
    provider_id: str,
    now: datetime,
    unmatched: str = "",
    keyword: str = "",
) -> Received:
    body = body[:MAX_BODY]
    flags = [] if keyword else red_flags_in_text(f"{subject}\n{body}")
    message = InboundMessage(
        clinic_id=clinic_id,
        client=client,
        conversation=_conversation(client, now) if client is not None else None,
        channel=channel,
        sender=sender[:254],
        recipient=recipient[:254],
        subject=" ".join(subject.split())[:200],
        body=body,
        provider_id=provider_id[:200],
        received_at=now,
        keyword=keyword,
        clinical=bool(flags),
        unmatched_reason=unmatched[:120],
        # An opt-out is acted on by itself: nothing for staff to do.
        handled_at=now if keyword else None,
    )
    received = _store(message)
    if received.status == "stored" and flags and client is not None:
        message.reaction_report_id = _open_report(
            client, body, flags, ReportSource.SMS if channel == Channel.SMS else ReportSource.EMAIL
        )
        message.save(update_fields=["reaction_report"])
    return received


@transaction.atomic
def receive_sms(*, sender: str, to: str, body: str, sid: str, now: datetime) -> Received:
    if _duplicate(Channel.SMS, sid):
        return Received("duplicate")
    clinic_id = clinic_for_number(to)
    if clinic_id is None:
        log.warning("inbound text to %s: no clinic has this SMS number", to)
        return Received("ignored", reason="no clinic has this number")
    candidates = clients_with_number(clinic_id, sender)
    client, unmatched = _one_client(candidates)
    word = keywords.keyword_of(body)
    received = _record(
        clinic_id,
        client,
        channel=Channel.SMS,
        sender=sender,
        recipient=to,
        subject="",
        body=body,
        provider_id=sid,
        now=now,
        unmatched=unmatched,
        keyword=word,
    )
    if received.status == "stored" and word:
        _apply_keyword(clinic_id, word, candidates, sender=sender, sid=sid, now=now)
    return received


def _apply_keyword(
    clinic_id: int, word: str, candidates: list[Client], *, sender: str, sid: str, now: datetime
) -> None:
    """The number opted out (or back in): every client with it, at once. Saving each client
    writes its audit-trail entry (consent_sms before and after)."""
    wanted = word == Keyword.START
    for client in Client.objects.filter(pk__in=[c.pk for c in candidates]):
        if client.consent_sms != wanted:
            client.consent_sms = wanted
            client.consent_updated_at = now
            client.save(update_fields=["consent_sms", "consent_updated_at", "updated_at"])
    if not wanted:
        withdraw_texts(clinic_id, [c.pk for c in candidates], "the client replied STOP")
    name = " ".join(Clinic.objects.get(pk=clinic_id).name.split())
    text = (
        f"You will no longer receive texts from {name}. Reply START to resubscribe."
        if not wanted
        else f"You will receive texts from {name} again. Reply STOP to unsubscribe."
    )
    queue_sms(
        clinic_id,
        sender,
        text,
        kind=Kind.KEYWORD_REPLY,
        key=f"keyword.{sid}"[:120],
        client=candidates[0] if len(candidates) == 1 else None,
    )


@transaction.atomic
def receive_email(
    *,
    to: str,
    sender: str,
    subject: str,
    text: str,
    message_id: str,
    token: tuple[int, int] | None,
    now: datetime,
) -> Received:
    """`token` is what reply_address.read found in the recipients (None: not a genuine reply)."""
    if token is None:
        return Received("ignored", reason="no valid reply address")
    if _duplicate(Channel.EMAIL, message_id):
        return Received("duplicate")
    clinic_id, client_id = token
    client = Client.objects.for_clinic(clinic_id).select_related("clinic").filter(pk=client_id).first()
    if client is None:  # the client was deleted since: nothing to attach the reply to
        return Received("ignored", reason="the client no longer exists")
    return _record(
        clinic_id,
        client,
        channel=Channel.EMAIL,
        sender=sender,
        recipient=to,
        subject=subject,
        body=strip_quoted(text),
        provider_id=message_id,
        now=now,
    )
