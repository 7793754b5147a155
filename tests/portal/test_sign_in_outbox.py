"""Portal sign-in never talks to the mail server in the request: the link is queued in the outbox
and the worker sends it. So a known and an unknown address get the same answer even with the mail
server down or slow (no 500, no timing difference), and the token is never stored in clear."""

from __future__ import annotations

import html
import re
import socket
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse

from needlepoint import clock
from needlepoint.clinic.messaging import worker
from needlepoint.clinic.messaging.models import Kind, OutboxMessage, Status
from needlepoint.portal.models import MagicLink
from needlepoint.portal.session import SESSION_KEY
from tests.clinic.messaging.conftest import smtp  # noqa: F401 — the aiosmtpd fixture
from tests.clinic.messaging.smtp_sink import Recorder, free_port
from tests.conftest import ClinicWorld

FAST = worker.WorkerConfig(batch=20, poll=0.05, base_delay=timedelta(seconds=0))


def _request(client: Any, world: ClinicWorld, email: str) -> Any:
    return client.post(reverse("portal-login", kwargs={"slug": world.clinic.slug}), {"email": email})


def _page(response: Any) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def _smtp_at(settings: Any, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_TIMEOUT = False, "", 3


def test_with_the_mail_server_down_a_known_address_answers_like_an_unknown_one(
    client: Any, clinic_a: ClinicWorld, settings: Any
) -> None:
    _smtp_at(settings, free_port())  # nothing listens there: connection refused
    known = _request(client, clinic_a, clinic_a.client.email)  # type: ignore[attr-defined]
    unknown = _request(client, clinic_a, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    assert _page(known) == _page(unknown)
    queued = OutboxMessage.objects.get(kind=Kind.SIGN_IN_LINK)
    assert queued.recipient == clinic_a.client.email and queued.status == Status.PENDING  # type: ignore[attr-defined]
    # The worker meets the dead server and keeps the message for a retry; nothing fails upstream.
    assert worker.process_batch("test", FAST) == 1
    queued.refresh_from_db()
    assert queued.status == Status.PENDING and queued.attempts == 1 and queued.last_error


@pytest.fixture
def hanging_smtp() -> Iterator[socket.socket]:
    """A server that accepts TCP connections into its backlog and never greets: an SMTP client
    connecting would wait for it. accept() afterwards tells whether anyone connected."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield listener
    listener.close()


def test_the_request_makes_no_smtp_connection(
    client: Any, clinic_a: ClinicWorld, settings: Any, hanging_smtp: socket.socket
) -> None:
    _smtp_at(settings, hanging_smtp.getsockname()[1])
    response = _request(client, clinic_a, clinic_a.client.email)  # type: ignore[attr-defined]
    assert response.status_code == 200
    hanging_smtp.setblocking(False)
    with pytest.raises(BlockingIOError):  # no connection is waiting: the request never dialled
        hanging_smtp.accept()
    assert OutboxMessage.objects.filter(kind=Kind.SIGN_IN_LINK, status=Status.PENDING).count() == 1


def test_the_worker_delivers_a_working_link_through_a_real_smtp_server(
    client: Any,
    clinic_a: ClinicWorld,
    smtp: Recorder,  # noqa: F811
) -> None:
    assert _request(client, clinic_a, clinic_a.client.email.upper()).status_code == 200  # type: ignore[attr-defined]
    assert smtp.messages == []  # the request sent nothing
    row = OutboxMessage.objects.get(kind=Kind.SIGN_IN_LINK)
    assert row.client_id == clinic_a.client.pk  # type: ignore[attr-defined]
    assert worker.process_batch("test", FAST) == 1
    (sent,) = smtp.messages
    assert sent["To"] == clinic_a.client.email  # type: ignore[attr-defined]
    text = html.unescape(sent.get_payload(0).get_payload(decode=True).decode())
    found = re.search(r"http://testserver(/portal/\S+/login/([\w-]+)/)", text)
    assert found, text
    link, token = found.groups()
    row.refresh_from_db()
    assert row.status == Status.SENT
    # The token exists only in the email: neither the outbox nor the link table holds it.
    assert token not in row.body and not MagicLink.objects.filter(token_hash=token).exists()
    assert client.post(link).status_code == 302
    assert client.session[SESSION_KEY]["client"] == clinic_a.client.pk  # type: ignore[attr-defined]


def test_a_link_that_expired_before_it_could_be_sent_is_not_sent(
    client: Any,
    clinic_a: ClinicWorld,
    smtp: Recorder,  # noqa: F811
) -> None:
    _request(client, clinic_a, clinic_a.client.email)  # type: ignore[attr-defined]
    MagicLink.objects.update(expires_at=clock.now() - timedelta(seconds=1))
    assert worker.process_batch("test", FAST) == 1
    row = OutboxMessage.objects.get(kind=Kind.SIGN_IN_LINK)
    assert row.status == Status.FAILED and "expired" in row.last_error and smtp.messages == []
