"""The outbox through the booking services, templates, and real delivery (SMTP, fake Twilio)."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from needlepoint import clock
from needlepoint.clinic.booking import services as booking
from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.messaging import worker
from needlepoint.clinic.messaging.backends import sms_backend
from needlepoint.clinic.messaging.models import DeliveryAttempt, Kind, MessageTemplate, OutboxMessage, Status
from needlepoint.clinic.messaging.templates import render, wording_for
from needlepoint.clinic.permissions import SystemActor
from needlepoint.ops import worker as process
from tests.clinic.booking.conftest import NOW, BookingWorld, spec
from tests.clinic.messaging.smtp_sink import Recorder, start_sink

LONDON = ZoneInfo("Europe/London")
FAST = worker.WorkerConfig(batch=20, poll=0.05, base_delay=timedelta(seconds=0))


def _book(bw: BookingWorld, sessions: int = 2) -> list[Appointment]:
    client = bw.world.client
    client.consent_email = True
    client.phone = "+447700900123"
    client.save()
    s = spec(bw, sessions=sessions)
    result, _ = booking.search_series(bw.world.clinic, s, now=NOW)
    series = booking.book_series(
        bw.world.clinic, s, list(result.options[0].sessions), actor=SystemActor(bw.world.clinic.pk, "test")
    )
    return list(series.appointments.order_by("series_index"))


def _pending(appt: Appointment) -> dict[str, OutboxMessage]:
    return {
        m.kind: m
        for m in OutboxMessage.objects.for_clinic(appt.clinic_id).filter(
            appointment=appt, status=Status.PENDING
        )
    }


def _make_due(**filters: Any) -> None:
    past = clock.now() - timedelta(seconds=1)
    OutboxMessage.objects.filter(**filters).update(next_attempt_at=past, due_at=past)


def test_booking_writes_the_outbox_in_the_same_transaction(bw: BookingWorld) -> None:
    first, second = _book(bw)
    msgs = _pending(first)
    assert {Kind.REMINDER_48H, Kind.REMINDER_24H, Kind.AFTERCARE, Kind.CHECKIN} <= set(msgs)
    assert Kind.REVIEW not in msgs and Kind.REVIEW in _pending(second)  # review after the series
    assert Kind.NEXT_SESSION in _pending(second)
    local = first.start.astimezone(LONDON)
    assert f"{local:%H:%M}" in msgs[Kind.REMINDER_24H].body
    assert all(m.channel == "email" for m in msgs.values())  # no SMS consent


def test_reschedule_moves_and_cancel_withdraws_pending_messages(bw: BookingWorld) -> None:
    (appt,) = _book(bw, sessions=1)
    before = _pending(appt)
    new_start = appt.start + timedelta(days=1)
    outcome = booking.reschedule_appointment(
        appt, new_start, actor=bw.world.memberships["front_desk"], now=NOW
    )
    assert outcome.applied, outcome.message
    appt.refresh_from_db()
    after = _pending(appt)
    assert after[Kind.REMINDER_24H].pk == before[Kind.REMINDER_24H].pk  # moved, not duplicated
    assert after[Kind.REMINDER_24H].due_at == before[Kind.REMINDER_24H].due_at + timedelta(days=1)
    assert f"{appt.start.astimezone(LONDON):%A}" in after[Kind.REMINDER_24H].body
    booking.cancel_appointment(appt, actor=SystemActor(appt.clinic_id, "test"), reason="", now=NOW)
    assert not _pending(appt)
    statuses = set(OutboxMessage.objects.filter(appointment=appt).values_list("status", flat=True))
    assert statuses == {Status.WITHDRAWN}


def test_a_failed_booking_leaves_no_messages(bw: BookingWorld) -> None:
    client = bw.world.client
    client.consent_email = True
    client.save()
    s = spec(bw, sessions=1)
    result, _ = booking.search_series(bw.world.clinic, s, now=NOW)
    booking.book_series(
        bw.world.clinic, s, list(result.options[0].sessions), actor=SystemActor(bw.world.clinic.pk, "test")
    )
    count = OutboxMessage.objects.count()
    with pytest.raises(booking.BookingError):
        booking.book_series(
            bw.world.clinic,
            s,
            list(result.options[0].sessions),
            actor=SystemActor(bw.world.clinic.pk, "test"),
        )
    assert OutboxMessage.objects.count() == count


def test_templates_per_language_with_fallback(bw: BookingWorld) -> None:
    clinic = bw.world.clinic
    clinic.locale = "fr-FR"
    clinic.save()
    MessageTemplate.objects.create(
        clinic=clinic,
        kind=Kind.REMINDER_24H,
        language="fr",
        subject="Demain à {{ session_clock }}",
        body="Bonjour {{ first_name }}, à demain {{ session_time }}.",
    )
    w = wording_for(clinic.pk, Kind.REMINDER_24H, "fr-FR")
    assert w.language == "fr"
    assert wording_for(clinic.pk, Kind.REMINDER_48H, "fr-FR").language == "en"  # built-in fallback
    (appt,) = _book(bw, sessions=1)
    msgs = _pending(appt)
    assert msgs[Kind.REMINDER_24H].subject.startswith("Demain à ")
    assert msgs[Kind.REMINDER_48H].subject.startswith("Your appointment")


@pytest.mark.parametrize(
    "source",
    ["{% load static %}x", "{% debug %}", "{% include 'base.html' %}", "{% url 'dashboard' %}", "{% if %}"],
)
def test_template_sandbox_refuses_tags(source: str) -> None:
    with pytest.raises(ValidationError):
        render(source, {})


def test_html_rendering_escapes_values() -> None:
    assert render("{{ x }}", {"x": "<b>"}, html=True) == "&lt;b&gt;"
    assert render("{{ x }}", {"x": "<b>"}) == "<b>"


def test_quiet_hours_defer_a_booked_message(bw: BookingWorld) -> None:
    from needlepoint.clinic.messaging.models import MessagingSettings

    MessagingSettings.objects.create(clinic=bw.world.clinic, quiet_start="06:00", quiet_end="23:00")
    (appt,) = _book(bw, sessions=1)
    for m in _pending(appt).values():
        local = m.due_at.astimezone(LONDON)
        assert local.hour >= 23 or local.hour < 6, (m.kind, local)


def test_send_through_a_real_smtp_server_and_read_it_back(bw: BookingWorld, smtp: Recorder) -> None:
    (appt,) = _book(bw, sessions=1)
    _make_due(appointment=appt, kind__in=[Kind.REMINDER_24H, Kind.CHECKIN])
    assert process.run(once=True, cfg=FAST) == 2
    assert len(smtp.messages) == 2
    by_subject = {m["Subject"]: m for m in smtp.messages}
    reminder = next(m for s, m in by_subject.items() if s.startswith("Tomorrow"))
    text = reminder.get_payload(0).get_payload(decode=True).decode()
    local = appt.start.astimezone(LONDON)
    assert f"{local:%H:%M}" in reminder["Subject"] and f"{local:%A} {local.day} {local:%B %Y}" in text
    row = OutboxMessage.objects.get(appointment=appt, kind=Kind.REMINDER_24H)
    assert reminder["Message-ID"] == f"<{row.idempotency_key}@needlepoint.outbox>"
    assert reminder["X-Idempotency-Key"] == row.idempotency_key
    assert row.status == Status.SENT and row.provider_message_id == reminder["Message-ID"]
    checkin = next(m for s, m in by_subject.items() if s.startswith("How is"))
    assert "/portal/clinic-a/reaction/?t=" in checkin.get_payload(0).get_payload(decode=True).decode()
    # a sent message is never sent again
    OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=clock.now() - timedelta(hours=1))
    assert process.run(once=True, cfg=FAST) == 0 and len(smtp.messages) == 2


def test_smtp_4xx_is_retried_with_backoff_and_5xx_fails(bw: BookingWorld, settings: Any) -> None:
    recorder = Recorder(reply=lambda n: "451 4.3.0 try again later" if n <= 2 else None)
    controller, port = start_sink(recorder)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    try:
        (appt,) = _book(bw, sessions=1)
        _make_due(appointment=appt, kind=Kind.REMINDER_24H)
        slow = worker.WorkerConfig(batch=5, poll=0.01, base_delay=timedelta(seconds=30))
        process.run(once=True, cfg=slow)
        row = OutboxMessage.objects.get(appointment=appt, kind=Kind.REMINDER_24H)
        assert row.status == Status.PENDING and row.attempts == 1 and "451" in row.last_error
        assert row.next_attempt_at > clock.now() + timedelta(seconds=10)  # backed off
        for _ in range(2):
            _make_due(pk=row.pk)
            process.run(once=True, cfg=slow)
        row.refresh_from_db()
        assert row.status == Status.SENT and row.attempts == 3
        log = list(
            DeliveryAttempt.objects.filter(message=row).order_by("attempt").values_list("ok", flat=True)
        )
        assert log == [False, False, True]
        assert len(recorder.messages) == 1
        recorder.reply = lambda n: "554 5.7.1 rejected"
        _make_due(appointment=appt, kind=Kind.REMINDER_48H)
        process.run(once=True, cfg=slow)
        failed = OutboxMessage.objects.get(appointment=appt, kind=Kind.REMINDER_48H)
        assert failed.status == Status.FAILED and failed.attempts == 1 and "554" in failed.last_error
    finally:
        controller.stop()


def test_backoff_grows_and_is_jittered() -> None:
    base = timedelta(seconds=30)
    for attempt in range(1, 8):
        d = worker.backoff(attempt, base)
        ceiling = min(base * 2 ** (attempt - 1), worker.MAX_DELAY)
        assert ceiling / 2 <= d <= ceiling


class _FakeTwilio(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        form = {k: v[0] for k, v in parse_qs(body).items()}
        self.received.append({"path": self.path, "form": form, "headers": dict(self.headers)})
        if form["To"] == "+15550000000":
            self.send_response(400)
            payload = {"code": 21211, "message": "invalid To"}
        else:
            self.send_response(201)
            payload = {"sid": f"SM{len(self.received):032d}", "status": "queued"}
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(payload).encode())

    def log_message(self, *args: Any) -> None:
        pass


def test_sms_through_a_local_imitation_of_twilio(bw: BookingWorld, settings: Any) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeTwilio)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.NEEDLEPOINT_SMS_BACKEND = "needlepoint.clinic.messaging.backends.sms.TwilioSmsBackend"
    settings.NEEDLEPOINT_TWILIO_BASE_URL = f"http://127.0.0.1:{server.server_address[1]}"
    settings.NEEDLEPOINT_TWILIO_ACCOUNT_SID, settings.NEEDLEPOINT_TWILIO_AUTH_TOKEN = "AC123", "secret"
    settings.NEEDLEPOINT_TWILIO_FROM = "+447700900999"
    sms_backend.cache_clear()
    _FakeTwilio.received = []
    try:
        client = bw.world.client
        client.consent_sms = True
        client.save()
        (appt,) = _book(bw, sessions=1)
        sms = OutboxMessage.objects.filter(appointment=appt, channel="sms")
        assert set(sms.values_list("kind", flat=True)) == {Kind.REMINDER_24H, Kind.CHECKIN}
        _make_due(appointment=appt, channel="sms", kind=Kind.REMINDER_24H)
        process.run(once=True, cfg=FAST)
        (req,) = _FakeTwilio.received
        row = sms.get(kind=Kind.REMINDER_24H)
        assert req["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
        assert req["form"]["To"] == "+447700900123" and req["form"]["From"] == "+447700900999"
        assert req["headers"]["Idempotency-Key"] == row.idempotency_key
        assert req["headers"]["Authorization"].startswith("Basic ")
        assert row.status == Status.SENT and row.provider_message_id.startswith("SM")
        # a 400 from the provider (bad number) fails the message without retrying
        OutboxMessage.objects.filter(pk=sms.get(kind=Kind.CHECKIN).pk).update(recipient="+15550000000")
        _make_due(appointment=appt, channel="sms", kind=Kind.CHECKIN)
        process.run(once=True, cfg=FAST)
        assert sms.get(kind=Kind.CHECKIN).status == Status.FAILED
    finally:
        server.shutdown()
        sms_backend.cache_clear()


def test_withdrawn_messages_are_never_sent(bw: BookingWorld, smtp: Recorder) -> None:
    (appt,) = _book(bw, sessions=1)
    _make_due(appointment=appt)
    booking.cancel_appointment(appt, actor=SystemActor(appt.clinic_id, "test"), reason="", now=NOW)
    assert process.run(once=True, cfg=FAST) == 0 and smtp.messages == []


def test_an_expired_lease_is_reclaimed_and_the_last_one_fails(bw: BookingWorld, smtp: Recorder) -> None:
    (appt,) = _book(bw, sessions=1)
    _make_due(appointment=appt, kind=Kind.REMINDER_24H)
    cfg = worker.WorkerConfig(batch=5, lease=timedelta(seconds=-1))  # leases expire at once
    (claimed,) = worker.claim("dead-worker", cfg)  # a worker claims, then dies before sending
    assert claimed.status == Status.SENDING and claimed.attempts == 1
    assert process.run(once=True, cfg=FAST) == 1  # another worker takes it over after the lease
    claimed.refresh_from_db()
    assert claimed.status == Status.SENT and len(smtp.messages) == 1
    _make_due(appointment=appt, kind=Kind.REMINDER_48H)
    OutboxMessage.objects.filter(appointment=appt, kind=Kind.REMINDER_48H).update(attempts=5, max_attempts=5)
    worker.claim("dead-worker", cfg)
    process.run(once=True, cfg=FAST)
    last = OutboxMessage.objects.get(appointment=appt, kind=Kind.REMINDER_48H)
    assert last.status == Status.FAILED and "lease expired" in last.last_error and len(smtp.messages) == 1


def test_no_consent_no_messages_through_booking(bw: BookingWorld) -> None:
    client = bw.world.client
    client.consent_email, client.consent_sms, client.phone = False, False, "+447700900123"
    client.save()
    s = spec(bw, sessions=1)
    result, _ = booking.search_series(bw.world.clinic, s, now=NOW)
    series = booking.book_series(
        bw.world.clinic, s, list(result.options[0].sessions), actor=SystemActor(bw.world.clinic.pk, "test")
    )
    assert not OutboxMessage.objects.filter(appointment__series=series).exists()


def test_a_message_that_cannot_be_recorded_fails_alone(
    bw: BookingWorld, smtp: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed send whose retry cannot be scheduled (an unknown zone under quiet hours) does not
    stop the batch: the other messages go out and the bad one is retried on the plain schedule."""
    from needlepoint.clinic.messaging.backends import email as email_backend
    from needlepoint.clinic.messaging.models import MessagingSettings

    (appt,) = _book(bw, sessions=1)
    MessagingSettings.objects.create(clinic=bw.world.clinic, quiet_start="00:00", quiet_end="00:01")
    _make_due(appointment=appt, kind__in=[Kind.REMINDER_24H, Kind.CHECKIN])
    bad = OutboxMessage.objects.get(appointment=appt, kind=Kind.REMINDER_24H)
    OutboxMessage.objects.filter(pk=bad.pk).update(
        timezone="Mars/Olympus_Mons", next_attempt_at=clock.now() - timedelta(hours=1)
    )
    real_send = email_backend.send

    def send(conn: Any, **kw: Any) -> str:
        if kw["key"] == bad.idempotency_key:
            raise ConnectionError("refused")
        return real_send(conn, **kw)

    monkeypatch.setattr(email_backend, "send", send)
    assert process.run(once=True, cfg=worker.WorkerConfig(batch=20, poll=0.05)) == 2
    bad.refresh_from_db()
    assert bad.status == Status.PENDING and bad.last_error == "ConnectionError: refused"
    assert OutboxMessage.objects.get(appointment=appt, kind=Kind.CHECKIN).status == Status.SENT
    assert len(smtp.messages) == 1
