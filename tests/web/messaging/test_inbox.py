"""Staff see replies in a conversation per client and answer them through the outbox; front desk
answers too but does not read a reply that names red-flag symptoms (issue 18)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse

from needlepoint import clock
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.errors import InvalidInput
from needlepoint.clinic.messaging import conversations, inbound, reply_address, worker
from needlepoint.clinic.messaging.backends import sms_backend
from needlepoint.clinic.messaging.models import (
    Channel,
    Conversation,
    InboundMessage,
    Kind,
    MessagingSettings,
    OutboxMessage,
)
from needlepoint.clinic.messaging.selectors import unread_count
from needlepoint.ops import worker as process
from tests.conftest import ClinicWorld
from tests.web.test_isolation import EXTRA_ROUTES

EXTRA_ROUTES.update(
    {
        "messaging-conversation": "conversation",
        "messaging-conversation-handled": "conversation",
        "messaging-unmatched-handled": "inbound_message",
    }
)

FAST = worker.WorkerConfig(batch=20, poll=0.05, base_delay=timedelta(seconds=0))
CLINIC_NUMBER = "+447700900100"
PHONE = "+447700900123"
_n = iter(range(10**6))


@pytest.fixture
def world(clinic_a: ClinicWorld, settings: Any) -> ClinicWorld:
    settings.NEEDLEPOINT_REPLY_DOMAIN = "reply.example.test"
    MessagingSettings.objects.create(clinic=clinic_a.clinic, sms_number=CLINIC_NUMBER)
    Client.objects.filter(pk=clinic_a.client.pk).update(phone=PHONE, consent_sms=True, consent_email=True)
    clinic_a.client.refresh_from_db()
    return clinic_a


def _text(body: str) -> InboundMessage:
    received = inbound.receive_sms(
        sender=PHONE, to=CLINIC_NUMBER, body=body, sid=f"SM{next(_n)}", now=clock.now()
    )
    assert received.message is not None
    return received.message


@pytest.mark.parametrize("role", ["owner", "practitioner", "front_desk"])
def test_staff_answer_from_the_conversation_and_it_is_queued(
    client: Any, world: ClinicWorld, role: str
) -> None:
    m = _text("Can we move Thursday?")
    client.force_login(world.users[role])
    inbox = client.get(reverse("messaging-inbox"))
    assert inbox.status_code == 200 and b"Can we move Thursday?" in inbox.content
    url = reverse("messaging-conversation", args=[m.conversation_id])
    page = client.get(url)
    assert page.status_code == 200 and b"Can we move Thursday?" in page.content
    response = client.post(url, {"channel": "sms", "text": "Yes, Friday 10:00 is booked."})
    assert response.status_code == 302
    (answer,) = OutboxMessage.objects.filter(kind=Kind.STAFF_ANSWER)
    assert answer.channel == Channel.SMS and answer.recipient == PHONE and answer.client_id == world.client.pk
    assert answer.body == "Yes, Friday 10:00 is booked."
    assert unread_count(world.clinic) == 0  # answering handles the replies
    assert b"Yes, Friday 10:00 is booked." in client.get(url).content
    # the same answer twice (a double click) is queued once
    client.post(url, {"channel": "sms", "text": "Yes, Friday 10:00 is booked."})
    assert OutboxMessage.objects.filter(kind=Kind.STAFF_ANSWER).count() == 1


def test_an_email_answer_carries_the_subject_and_a_reply_to(
    world: ClinicWorld, mailoutbox: list[Any]
) -> None:
    token = (world.clinic.pk, world.client.pk)
    inbound.receive_email(
        to="x",
        sender="z@example.com",
        subject="Parking?",
        text="Where do I park?",
        message_id="",
        token=token,
        now=clock.now(),
    )
    conversation = Conversation.objects.get()
    conversations.answer(
        world.memberships["front_desk"],
        conversation,
        channel="email",
        text="Behind the building.",
        now=clock.now(),
    )
    process.run(once=True, cfg=FAST)
    (sent,) = [m for m in mailoutbox if "Behind the building." in m.body]
    assert sent.subject == "Re: Parking?" and sent.to == [world.client.email]
    assert sent.reply_to == [reply_address.reply_to(world.clinic.pk, world.client.pk)]


def test_staff_emails_carry_no_reply_to(world: ClinicWorld, mailoutbox: list[Any]) -> None:
    from needlepoint.clinic.messaging.reactions import ReportInput, submit_report

    submit_report(world.client, None, ReportInput(["fever"], 1, None, "hot"), [])
    process.run(once=True, cfg=FAST)
    assert mailoutbox and all(m.reply_to == [] for m in mailoutbox)


def test_texts_go_out_from_the_clinics_own_number(world: ClinicWorld, settings: Any, capsys: Any) -> None:
    sms_backend.cache_clear()
    conversation = Conversation.objects.get(pk=_text("hello").conversation_id)
    conversations.answer(world.memberships["owner"], conversation, channel="sms", text="Hi!", now=clock.now())
    process.run(once=True, cfg=FAST)
    assert f"SMS to {PHONE} from {CLINIC_NUMBER}" in capsys.readouterr().out


def test_an_answer_by_text_is_refused_after_stop(world: ClinicWorld) -> None:
    conversation = Conversation.objects.get(pk=_text("hello").conversation_id)
    _text("STOP")
    conversation.client.refresh_from_db()
    with pytest.raises(InvalidInput, match="does not accept text messages"):
        conversations.answer(
            world.memberships["owner"], conversation, channel="sms", text="Hi", now=clock.now()
        )
    with pytest.raises(InvalidInput, match="Write an answer"):
        conversations.answer(
            world.memberships["owner"], conversation, channel="email", text="  ", now=clock.now()
        )


def test_a_refused_answer_is_a_400_with_the_reason_on_the_page(client: Any, world: ClinicWorld) -> None:
    m = _text("hello")
    Client.objects.filter(pk=world.client.pk).update(consent_sms=False)
    client.force_login(world.users["front_desk"])
    response = client.post(
        reverse("messaging-conversation", args=[m.conversation_id]), {"channel": "sms", "text": "x"}
    )
    assert response.status_code == 400 and b"does not accept text messages" in response.content
    assert not OutboxMessage.objects.filter(kind=Kind.STAFF_ANSWER).exists()


def test_front_desk_does_not_read_a_red_flag_reply(client: Any, world: ClinicWorld) -> None:
    clinical = _text("CMKREDFLAG there is pus and it is spreading")
    _text("Also: can I come at 3pm?")
    url = reverse("messaging-conversation", args=[clinical.conversation_id])
    client.force_login(world.users["front_desk"])
    for page in (
        client.get(reverse("messaging-inbox")),
        client.get(url),
        client.get(reverse("client-detail", args=[world.client.pk])),
    ):
        assert page.status_code == 200 and b"CMKREDFLAG" not in page.content
    assert b"can I come at 3pm?" in client.get(url).content  # the booking question it does read
    for role in ("owner", "practitioner"):
        client.force_login(world.users[role])
        assert b"CMKREDFLAG" in client.get(url).content


def test_the_inbox_and_client_page_show_unread_counts_and_mark_handled(
    client: Any, world: ClinicWorld
) -> None:
    m = _text("one")
    _text("two")
    client.force_login(world.users["front_desk"])
    detail = client.get(reverse("client-detail", args=[world.client.pk]))
    assert b"2 unread" in detail.content
    client.post(reverse("messaging-conversation-handled", args=[m.conversation_id]))
    assert unread_count(world.clinic) == 0
    assert InboundMessage.objects.filter(handled_by=world.memberships["front_desk"]).count() == 2


def test_another_clinics_conversation_is_a_404(
    client: Any, world: ClinicWorld, clinic_b: ClinicWorld
) -> None:
    m = _text("hello")
    client.force_login(clinic_b.users["owner"])
    assert client.get(reverse("messaging-conversation", args=[m.conversation_id])).status_code == 404
    assert client.post(reverse("messaging-conversation-handled", args=[m.conversation_id])).status_code == 404
    assert unread_count(clinic_b.clinic) == 0 and unread_count(world.clinic) == 1


def test_another_clinics_unmatched_reply_is_a_404(
    client: Any, world: ClinicWorld, clinic_b: ClinicWorld
) -> None:
    received = inbound.receive_sms(
        sender="+447700900999", to=CLINIC_NUMBER, body="who?", sid=f"SM{next(_n)}", now=clock.now()
    )
    assert received.message is not None and received.message.client is None
    client.force_login(clinic_b.users["owner"])
    url = reverse("messaging-unmatched-handled", args=[received.message.pk])
    assert client.post(url).status_code == 404
    assert unread_count(world.clinic) == 1


def test_the_owner_sets_the_clinics_sms_number(
    client: Any, world: ClinicWorld, clinic_b: ClinicWorld
) -> None:
    from needlepoint.clinic.messaging.services import settings_for

    client.force_login(clinic_b.users["owner"])
    form = {
        "quiet_hours_enabled": "on",
        "quiet_start": "21:00",
        "quiet_end": "08:00",
        "max_attempts": 6,
        "next_session_days_before": 7,
        "review_days": 7,
        "touch_up_days": 180,
        "redness_days_flag": 3,
    }
    taken = client.post(reverse("messaging-settings"), {**form, "sms_number": "+44 7700 900100"})
    assert taken.status_code == 400 and b"already uses this number" in taken.content
    bad = client.post(reverse("messaging-settings"), {**form, "sms_number": "call us"})
    assert bad.status_code == 400 and b"international format" in bad.content
    ok = client.post(reverse("messaging-settings"), {**form, "sms_number": "+1 (212) 555-0100"})
    assert ok.status_code == 302 and settings_for(clinic_b.clinic.pk).sms_number == "+12125550100"
