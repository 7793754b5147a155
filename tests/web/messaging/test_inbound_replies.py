"""Replies from clients through the two webhooks (issue 18): Twilio texts, signature-checked, and
email replies from a mail provider's inbound parse, placed by the Reply-To token."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.messaging import reply_address
from needlepoint.clinic.messaging.keywords import START_WORDS, STOP_WORDS, keyword_of
from needlepoint.clinic.messaging.models import (
    Channel,
    InboundMessage,
    Kind,
    MessagingSettings,
    OutboxMessage,
    ReactionReport,
    ReportSource,
    Status,
)
from needlepoint.clinic.messaging.quoting import strip_quoted
from needlepoint.clinic.messaging.selectors import unread_count
from needlepoint.clinic.outcomes.models import AdverseEvent
from tests.conftest import ClinicWorld

BASE = "https://clinic.example.test"
TOKEN = "twilio-auth-token-for-tests"
CLINIC_NUMBER = "+447700900100"
CLIENT_PHONE = "+447700900123"
SECRET = "inbound-email-secret-for-tests"


def twilio_signature(url: str, params: dict[str, str], token: str) -> str:
    """Twilio's published algorithm, written out here independently of the app's."""
    data = url + "".join(k + params[k] for k in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


@pytest.fixture
def world(clinic_a: ClinicWorld, settings: Any) -> ClinicWorld:
    settings.NEEDLEPOINT_BASE_URL = BASE
    settings.NEEDLEPOINT_TWILIO_AUTH_TOKEN = TOKEN
    settings.NEEDLEPOINT_REPLY_DOMAIN = "reply.clinic.example.test"
    settings.NEEDLEPOINT_INBOUND_EMAIL_SECRET = SECRET
    MessagingSettings.objects.create(clinic=clinic_a.clinic, sms_number=CLINIC_NUMBER)
    Client.objects.filter(pk=clinic_a.client.pk).update(
        phone="+44 7700 900123", consent_sms=True, consent_email=True
    )
    clinic_a.client.refresh_from_db()
    return clinic_a


_sids = iter(range(10**6))


def text(
    http: Any,
    body: str,
    *,
    sender: str = CLIENT_PHONE,
    to: str = CLINIC_NUMBER,
    sid: str = "",
    sign: Any = True,
) -> Any:
    params = {
        "From": sender,
        "To": to,
        "Body": body,
        "MessageSid": sid or f"SM{next(_sids):032d}",
        "NumMedia": "0",
    }
    path = reverse("inbound-sms")
    headers = {}
    if sign is True:
        headers["HTTP_X_TWILIO_SIGNATURE"] = twilio_signature(BASE + path, params, TOKEN)
    elif sign:
        headers["HTTP_X_TWILIO_SIGNATURE"] = sign
    return http.post(path, urlencode(params), content_type="application/x-www-form-urlencoded", **headers)


# --- the Twilio webhook --------------------------------------------------------------------------


def test_a_signed_text_lands_in_the_clients_conversation_with_empty_twiml(
    client: Any, world: ClinicWorld
) -> None:
    client.handler.enforce_csrf_checks = True  # the route is CSRF-exempt; the rest of the site is not
    response = text(client, "Can I move Thursday to Friday?")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    assert response.content.strip().endswith(b"<Response></Response>")
    (m,) = InboundMessage.objects.all()
    assert m.client_id == world.client.pk and m.channel == Channel.SMS and not m.clinical
    assert m.body == "Can I move Thursday to Friday?" and m.conversation is not None
    assert unread_count(world.clinic) == 1


@pytest.mark.parametrize(
    "sign",
    [
        False,  # missing
        "bm90IGEgc2lnbmF0dXJl",  # wrong
        "tampered",  # signed for other params below
    ],
)
def test_unsigned_or_wrongly_signed_texts_are_refused(client: Any, world: ClinicWorld, sign: Any) -> None:
    if sign == "tampered":
        params = {
            "From": CLIENT_PHONE,
            "To": CLINIC_NUMBER,
            "Body": "hello",
            "MessageSid": "SMx",
            "NumMedia": "0",
        }
        sign = twilio_signature(BASE + reverse("inbound-sms"), params, TOKEN)
        response = text(client, "STOP", sid="SMx", sign=sign)
    else:
        response = text(client, "hello", sign=sign)
    assert response.status_code == 403
    assert not InboundMessage.objects.exists()


def test_the_signature_uses_the_configured_base_url_not_the_host_header(
    client: Any, world: ClinicWorld
) -> None:
    params = {"From": CLIENT_PHONE, "To": CLINIC_NUMBER, "Body": "hi", "MessageSid": "SMhost"}
    path = reverse("inbound-sms")
    forged = twilio_signature("http://testserver" + path, params, TOKEN)  # what the Host header says
    response = client.post(
        path,
        urlencode(params),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=forged,
    )
    assert response.status_code == 403


def test_without_an_auth_token_every_text_is_refused(client: Any, world: ClinicWorld, settings: Any) -> None:
    settings.NEEDLEPOINT_TWILIO_AUTH_TOKEN = ""
    params = {"From": CLIENT_PHONE, "To": CLINIC_NUMBER, "Body": "hi", "MessageSid": "SMnotoken"}
    path = reverse("inbound-sms")
    response = client.post(
        path,
        urlencode(params),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=twilio_signature(BASE + path, params, ""),
    )
    assert response.status_code == 403


def test_a_replayed_text_is_stored_once(client: Any, world: ClinicWorld) -> None:
    for _ in range(3):
        assert text(client, "STOP", sid="SMreplay").status_code == 200
    assert InboundMessage.objects.count() == 1
    assert OutboxMessage.objects.filter(kind=Kind.KEYWORD_REPLY).count() == 1


def test_a_text_to_a_number_no_clinic_has_is_acknowledged_and_not_stored(
    client: Any, world: ClinicWorld
) -> None:
    response = text(client, "hello", to="+15005550006")
    assert response.status_code == 200
    assert not InboundMessage.objects.exists()


def test_a_clinic_is_chosen_by_its_own_number(client: Any, world: ClinicWorld, clinic_b: ClinicWorld) -> None:
    MessagingSettings.objects.create(clinic=clinic_b.clinic, sms_number="+12125550100")
    Client.objects.filter(pk=clinic_b.client.pk).update(phone="(212) 555-0199")  # national spelling
    text(client, "Running late", sender="+12125550199", to="+1 212 555 0100")
    (m,) = InboundMessage.objects.all()
    assert m.clinic_id == clinic_b.clinic.pk and m.client_id == clinic_b.client.pk


def test_an_unknown_sender_is_kept_unmatched_for_the_owner(client: Any, world: ClinicWorld) -> None:
    assert text(client, "Who is this? I have a fever", sender="+447700900999").status_code == 200
    (m,) = InboundMessage.objects.all()
    assert m.client is None and m.conversation is None and m.unmatched_reason
    assert not ReactionReport.objects.exists()  # no client to attach a report to
    assert unread_count(world.clinic) == 1
    client.force_login(world.users["owner"])
    page = client.get(reverse("messaging-inbox"))
    assert b"+447700900999" in page.content and b"Who is this?" in page.content
    client.force_login(world.users["front_desk"])
    assert b"+447700900999" not in client.get(reverse("messaging-inbox")).content
    assert client.post(reverse("messaging-unmatched-handled", args=[m.pk])).status_code == 403
    client.force_login(world.users["owner"])
    client.post(reverse("messaging-unmatched-handled", args=[m.pk]))
    assert unread_count(world.clinic) == 0


def test_garbage_is_a_400_not_a_500(client: Any, world: ClinicWorld) -> None:
    params = {"Body": "no sid"}
    path = reverse("inbound-sms")
    response = client.post(
        path,
        urlencode(params),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=twilio_signature(BASE + path, params, TOKEN),
    )
    assert response.status_code == 400
    assert client.get(path).status_code == 405


# --- STOP / START -------------------------------------------------------------------------------


def _variants(words: frozenset[str]) -> st.SearchStrategy[str]:
    """A keyword as people type it: any case, spaces around, punctuation and line breaks."""
    noise = st.text(alphabet=" \t\n.!?,-'\"", max_size=3)
    cased = st.sampled_from(sorted(words)).flatmap(
        lambda w: st.lists(st.booleans(), min_size=len(w), max_size=len(w)).map(
            lambda ups: "".join(c.upper() if u else c for c, u in zip(w, ups, strict=True))
        )
    )
    return st.tuples(noise, cased, noise).map("".join)


@given(_variants(STOP_WORDS))
def test_every_spelling_of_a_stop_word_is_stop(message: str) -> None:
    assert keyword_of(message) == "stop"


@given(_variants(START_WORDS))
def test_every_spelling_of_a_start_word_is_start(message: str) -> None:
    assert keyword_of(message) == "start"


@given(
    st.sampled_from(sorted(STOP_WORDS | START_WORDS)),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1),
)
def test_a_keyword_inside_a_longer_message_is_not_a_keyword(word: str, more: str) -> None:
    assert keyword_of(f"{word} {more}") == "" or f"{word}{more}" in STOP_WORDS | START_WORDS


def test_please_stop_is_a_message_not_an_opt_out() -> None:
    assert keyword_of("please stop booking me on Fridays") == ""
    assert keyword_of("yes please") == ""


@hsettings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stop=_variants(STOP_WORDS), start=_variants(START_WORDS))
def test_stop_and_start_change_text_consent_at_once_and_are_confirmed(
    client: Any, world: ClinicWorld, stop: str, start: str
) -> None:
    before = OutboxMessage.objects.filter(kind=Kind.KEYWORD_REPLY).count()
    text(client, stop)
    world.client.refresh_from_db()
    assert world.client.consent_sms is False
    confirmations = OutboxMessage.objects.filter(kind=Kind.KEYWORD_REPLY).order_by("pk")
    assert confirmations.count() == before + 1
    last = confirmations.last()
    assert last is not None and last.channel == Channel.SMS and last.recipient == CLIENT_PHONE
    assert (
        last.body == f"You will no longer receive texts from {world.clinic.name}. Reply START to resubscribe."
    )
    text(client, start)
    world.client.refresh_from_db()
    assert world.client.consent_sms is True
    assert "Reply STOP" in (confirmations.last().body if confirmations.last() else "")


def test_stop_withdraws_every_queued_text_and_is_audit_logged(client: Any, world: ClinicWorld) -> None:
    from needlepoint import clock

    now = clock.now()
    queued = [
        OutboxMessage.objects.create(
            clinic=world.clinic,
            client=world.client,
            kind=kind,
            channel=channel,
            recipient=CLIENT_PHONE if channel == Channel.SMS else world.client.email,
            body="Reminder",
            due_at=now,
            next_attempt_at=now,
            idempotency_key=f"test.{kind}.{channel}",
        )
        for kind, channel in [
            (Kind.REMINDER_24H, Channel.SMS),
            (Kind.CHECKIN, Channel.SMS),
            (Kind.REMINDER_24H, Channel.EMAIL),
        ]
    ]
    text(client, "  Stop! ")
    statuses = {m.idempotency_key: OutboxMessage.objects.get(pk=m.pk).status for m in queued}
    assert statuses == {
        f"test.{Kind.REMINDER_24H}.sms": Status.WITHDRAWN,
        f"test.{Kind.CHECKIN}.sms": Status.WITHDRAWN,
        f"test.{Kind.REMINDER_24H}.email": Status.PENDING,  # email consent is untouched
    }
    confirmation = OutboxMessage.objects.get(kind=Kind.KEYWORD_REPLY)
    assert confirmation.status == Status.PENDING  # the one text that goes after STOP
    entry = LogEntry.objects.get_for_object(world.client).filter(changes__icontains="consent_sms").first()
    assert entry is not None and entry.additional_data == {"clinic_id": world.clinic.pk}
    (m,) = InboundMessage.objects.all()
    assert m.keyword == "stop" and m.handled_at is not None  # acted on: nothing for staff to do
    assert unread_count(world.clinic) == 0


def test_stop_from_a_shared_number_opts_out_every_client_with_it(client: Any, world: ClinicWorld) -> None:
    from datetime import date

    sibling = Client.objects.create(
        clinic=world.clinic,
        first_name="Sib",
        last_name="Ling",
        date_of_birth=date(1992, 1, 1),
        phone="07700 900123",  # national spelling of the same number
        consent_sms=True,
    )
    text(client, "STOPALL")
    world.client.refresh_from_db()
    sibling.refresh_from_db()
    assert world.client.consent_sms is False and sibling.consent_sms is False


# --- red flags ------------------------------------------------------------------------------------


def test_a_red_flag_reply_opens_a_reaction_report_and_alerts_staff(client: Any, world: ClinicWorld) -> None:
    text(client, "The cheek is hot, there is pus and I think I have a fever")
    (report,) = ReactionReport.objects.all()
    assert report.client_id == world.client.pk and report.source == ReportSource.SMS
    assert set(report.red_flags) == {"pus", "fever"}
    assert "pus" in report.free_text
    assert AdverseEvent.objects.filter(client=world.client, source=f"reaction_report:{report.pk}").exists()
    alerts = OutboxMessage.objects.filter(kind=Kind.STAFF_ALERT)
    assert set(alerts.values_list("recipient", flat=True)) == {
        world.users["owner"].email,  # type: ignore[attr-defined]
        world.users["practitioner"].email,  # type: ignore[attr-defined]
    }
    (m,) = InboundMessage.objects.all()
    assert m.clinical and m.reaction_report_id == report.pk


def test_an_ordinary_reply_opens_no_report(client: Any, world: ClinicWorld) -> None:
    text(client, "See you on Friday, thanks!")
    assert (
        not ReactionReport.objects.exists()
        and not OutboxMessage.objects.filter(kind=Kind.STAFF_ALERT).exists()
    )


# --- email replies --------------------------------------------------------------------------------


def _email(
    http: Any, to: str, text_body: str, *, secret: str = SECRET, as_json: bool = True, **extra: str
) -> Any:
    data = {
        "from": "Zelda <zelda@example.com>",
        "to": to,
        "subject": "Re: Your appointment",
        "text": text_body,
        **extra,
    }
    url = reverse("inbound-email-secret", args=[secret]) if secret else reverse("inbound-email")
    if as_json:
        return http.post(url, json.dumps(data), content_type="application/json")
    return http.post(url, data)


def test_an_email_reply_lands_on_the_client_its_reply_to_names(client: Any, world: ClinicWorld) -> None:
    address = reply_address.reply_to(world.clinic.pk, world.client.pk)
    assert address.startswith("reply+") and address.endswith("@reply.clinic.example.test")
    body = (
        "Thursday works, thank you.\n\n"
        "On Tue, 4 Jun 2024 at 10:12, Clinic A <\n"
        f"{address}> wrote:\n"
        "> Your appointment is on Thursday at 10:00.\n"
    )
    response = _email(client, f"Clinic A <{address.upper()}>", body, message_id="<abc@mail.example>")
    assert response.status_code == 200 and response.json()["status"] == "stored"
    (m,) = InboundMessage.objects.all()
    assert m.client_id == world.client.pk and m.channel == Channel.EMAIL
    assert m.body == "Thursday works, thank you." and m.subject == "Re: Your appointment"
    # the same Message-ID again (a provider retry) is stored once; form fields work too
    again = _email(client, address, body, as_json=False, message_id="<abc@mail.example>")
    assert again.json()["status"] == "duplicate" and InboundMessage.objects.count() == 1


@pytest.mark.parametrize(
    "to",
    [
        "reply+1-1-000000000000000000000000@reply.clinic.example.test",  # forged token
        "hello@reply.clinic.example.test",
        "reply+{clinic}-{client}-{mac}@elsewhere.example",  # right token, wrong domain
    ],
)
def test_an_email_without_a_genuine_reply_token_is_not_stored(
    client: Any, world: ClinicWorld, to: str
) -> None:
    genuine = reply_address.reply_to(world.clinic.pk, world.client.pk)
    mac = genuine.split("@")[0].rsplit("-", 1)[1]
    response = _email(client, to.format(clinic=world.clinic.pk, client=world.client.pk, mac=mac), "Hello")
    assert response.status_code == 200 and response.json()["status"] == "ignored"
    assert not InboundMessage.objects.exists()


def test_a_token_for_one_client_cannot_be_turned_into_another(
    client: Any, world: ClinicWorld, clinic_b: ClinicWorld
) -> None:
    genuine = reply_address.reply_to(world.clinic.pk, world.client.pk)
    local, host = genuine.split("@")
    mac = local.rsplit("-", 1)[1]
    forged = f"reply+{clinic_b.clinic.pk}-{clinic_b.client.pk}-{mac}@{host}"
    assert _email(client, forged, "Hello").json()["status"] == "ignored"


@pytest.mark.parametrize("secret", ["wrong-secret", ""])
def test_the_inbound_email_secret_is_required(client: Any, world: ClinicWorld, secret: str) -> None:
    address = reply_address.reply_to(world.clinic.pk, world.client.pk)
    assert _email(client, address, "Hello", secret=secret).status_code == 403
    assert not InboundMessage.objects.exists()


def test_the_secret_may_come_in_a_header(client: Any, world: ClinicWorld) -> None:
    address = reply_address.reply_to(world.clinic.pk, world.client.pk)
    data = {"from": "z@example.com", "to": address, "subject": "Hi", "text": "Hello"}
    response = client.post(
        reverse("inbound-email"),
        json.dumps(data),
        content_type="application/json",
        HTTP_X_NEEDLEPOINT_SECRET=SECRET,
    )
    assert response.status_code == 200 and InboundMessage.objects.count() == 1
    bad = client.post(
        reverse("inbound-email-secret", args=[SECRET]), "[1, 2", content_type="application/json"
    )
    assert bad.status_code == 400


def test_without_a_reply_domain_emails_carry_no_reply_to(world: ClinicWorld, settings: Any) -> None:
    settings.NEEDLEPOINT_REPLY_DOMAIN = ""
    assert reply_address.reply_to(world.clinic.pk, world.client.pk) == ""


def test_a_red_flag_email_reply_opens_a_report_marked_as_an_email_reply(
    client: Any, world: ClinicWorld
) -> None:
    address = reply_address.reply_to(world.clinic.pk, world.client.pk)
    _email(client, address, "It is really painful and there are blisters\n\nOn Mon, Clinic wrote:\n> fever?")
    (report,) = ReactionReport.objects.all()
    assert report.source == ReportSource.EMAIL and set(report.red_flags) == {"severe_pain", "cold_sore"}


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("Yes, see you then.\n\nOn Mon, 3 Jun 2024, Clinic <x@y.z> wrote:\n> Reminder", "Yes, see you then."),
        ("Fine\r\n\r\n-----Original Message-----\r\nFrom: Clinic\r\nSent: Monday", "Fine"),
        ("Fine\n\nFrom: Clinic A <reply+1@x>\nSent: 3 June 2024 10:00\nTo: me\n\nReminder", "Fine"),
        ("Top line\n> quoted line\nMore of mine", "Top line\nMore of mine"),
        ("Only new text", "Only new text"),
        ("On the way! I wrote: nothing", "On the way! I wrote: nothing"),
    ],
)
def test_quoted_history_is_stripped(raw: str, kept: str) -> None:
    assert strip_quoted(raw) == kept
