"""One bad webhook row fails alone: a malformed address saved before validation existed, or any
error while delivering one row, never stops `needlepoint worker` nor the other clinics'
deliveries claimed in the same batch."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection

from needlepoint import clock
from needlepoint.clinic.messaging import worker as messaging_worker
from needlepoint.clinic.webhooks import dispatch, services
from needlepoint.clinic.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from needlepoint.ops import worker
from tests.clinic.webhooks.receiver import Receiver, receiver
from tests.conftest import ClinicWorld

BAD_URL = "http://example.com:99999/"
FAST = worker.WorkerConfig(poll=0.02)


@pytest.fixture
def hook(settings: Any) -> Iterator[Receiver]:
    settings.NEEDLEPOINT_WEBHOOKS_ALLOW_PRIVATE = True  # the receiver listens on 127.0.0.1
    with receiver() as rec:
        yield rec


def _endpoint(world: ClinicWorld, url: str) -> WebhookEndpoint:
    return services.save_endpoint(world.clinic, url=url, events=["appointment.booked"])  # type: ignore[arg-type]


def _planted(world: ClinicWorld) -> WebhookDelivery:
    """An endpoint whose address is written straight into the database (as rows saved before the
    check existed are), with a test event queued ahead of everything else."""
    ep = _endpoint(world, "https://hooks.example.com/x")
    delivery = services.send_test_event(ep)
    WebhookEndpoint.objects.filter(pk=ep.pk).update(url=BAD_URL)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=clock.now() - timedelta(minutes=5))
    return delivery


def test_the_out_of_range_port_is_refused_at_save_with_a_clear_message(clinic_a: ClinicWorld) -> None:
    with pytest.raises(services.WebhookError, match="port must be a number from 1 to 65535") as caught:
        _endpoint(clinic_a, BAD_URL)
    assert caught.value.field == "url"
    assert not WebhookEndpoint.objects.exists()


def test_a_name_resolving_to_a_private_address_is_refused_at_save(
    clinic_a: ClinicWorld, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    real = socket.getaddrinfo
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, *a, **k: real("10.0.0.7" if host == "in.example.com" else host, *a, **k),
    )
    settings.NEEDLEPOINT_WEBHOOKS_ALLOW_PRIVATE = False
    with pytest.raises(services.WebhookError, match="private network"):
        _endpoint(clinic_a, "https://in.example.com/hook")
    _endpoint(clinic_a, "https://not-yet-in-dns.example.com/hook")  # checked again at send time


def test_a_planted_bad_address_fails_alone_and_another_clinics_delivery_goes_out(
    clinic_a: ClinicWorld, clinic_b: ClinicWorld, hook: Receiver
) -> None:
    bad = _planted(clinic_a)
    good = services.send_test_event(_endpoint(clinic_b, hook.url))
    assert worker.run(once=True, cfg=FAST) == 2  # both claimed in one batch; the run ends normally
    bad.refresh_from_db()
    good.refresh_from_db()
    assert good.status == DeliveryStatus.DELIVERED and len(hook.requests) == 1
    assert bad.status == DeliveryStatus.FAILED and "port" in bad.last_error
    assert WebhookAttempt.objects.get(delivery=bad).error == bad.last_error
    # Sending a test event to it now says what to correct instead of queueing a doomed row.
    with pytest.raises(services.WebhookError, match="port"):
        services.send_test_event(WebhookEndpoint.objects.get(pk=bad.endpoint_id))


def test_any_error_delivering_one_row_is_recorded_and_the_batch_goes_on(
    clinic_a: ClinicWorld, clinic_b: ClinicWorld, hook: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    doomed = services.send_test_event(_endpoint(clinic_a, hook.url))
    WebhookDelivery.objects.filter(pk=doomed.pk).update(next_attempt_at=clock.now() - timedelta(minutes=5))
    good = services.send_test_event(_endpoint(clinic_b, hook.url))
    real_post = dispatch.post

    def post(endpoint: WebhookEndpoint, delivery: WebhookDelivery, *args: Any) -> dispatch.Outcome:
        if delivery.pk == doomed.pk:
            raise RuntimeError("a bug met a row it did not expect")
        return real_post(endpoint, delivery, *args)

    monkeypatch.setattr(dispatch, "post", post)
    assert dispatch.process_batch("w1", dispatch.DispatchConfig(batch=5, timeout=2.0)) == 2
    doomed.refresh_from_db()
    good.refresh_from_db()
    assert good.status == DeliveryStatus.DELIVERED
    assert doomed.status == DeliveryStatus.PENDING and doomed.locked_by == ""  # retried later
    assert doomed.last_error == "internal error: RuntimeError: a bug met a row it did not expect"
    assert doomed.next_attempt_at > clock.now()


@pytest.mark.django_db(transaction=True)
def test_the_worker_keeps_running_through_bad_rows_and_a_failing_queue(
    clinic_a: ClinicWorld, clinic_b: ClinicWorld, hook: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real loop in a thread: a planted bad address, and the message queue raising on every
    batch. Other clinics' deliveries still go out and the loop is still alive afterwards."""

    def broken(*args: Any) -> int:
        raise RuntimeError("the outbox is broken")

    monkeypatch.setattr(messaging_worker, "process_batch", broken)
    _planted(clinic_a)
    good = services.send_test_event(_endpoint(clinic_b, hook.url))
    stop = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            worker.run(cfg=FAST, stop=stop)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not hook.requests:
            time.sleep(0.05)
        later = services.send_test_event(_endpoint(clinic_b, hook.url))  # queued after the failures
        while time.monotonic() < deadline and len(hook.requests) < 2:
            time.sleep(0.05)
        assert thread.is_alive() and not errors
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive() and not errors
    assert set(hook.ids()) == {good.idempotency_id, later.idempotency_id}
    assert WebhookDelivery.objects.get(endpoint__url=BAD_URL).status == DeliveryStatus.FAILED
