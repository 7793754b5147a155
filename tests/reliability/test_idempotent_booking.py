"""Simultaneous requests with one Idempotency-Key book once: each thread has its own database
connection, and all post the same booking at the same moment. The unique key row makes the
others wait for the first transaction and replay its response (PostgreSQL; SQLite serialises
writers, so tests/api/test_idempotency.py covers it there)."""

from __future__ import annotations

import json
import threading
from typing import Any, cast

import pytest
from django.db import connections
from django.test import Client as HttpClient

from needlepoint import clock
from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.idempotency.models import IdempotencyKey
from tests.api.conftest import token_for
from tests.clinic.booking.conftest import NOW, make_booking_world
from tests.conftest import make_clinic_world
from tests.reliability.helpers import ON_POSTGRES

THREADS = 8


@pytest.mark.postgres_only
@pytest.mark.skipif(not ON_POSTGRES, reason="concurrency on PostgreSQL (SQLite serialises writers)")
@pytest.mark.django_db(transaction=True)
def test_simultaneous_requests_with_one_key_book_once(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    bw = make_booking_world(make_clinic_world("I"))
    token = token_for(bw.world, "front_desk")
    client_id = bw.world.client.pk  # type: ignore[attr-defined]
    body = json.dumps({"appointment_type_id": cast(Any, bw.kind).pk, "start": "2027-01-05T10:00:00Z"})
    barrier = threading.Barrier(THREADS)
    results: list[tuple[int, bytes, bool]] = []

    def post() -> None:
        try:
            http = HttpClient()
            barrier.wait(timeout=30)
            response = http.post(
                f"/api/clients/{client_id}/appointments",
                body,
                content_type="application/json",
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "same-key"},
            )
            replayed = response.has_header("Idempotent-Replayed")
            results.append((response.status_code, response.content, replayed))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(THREADS)]
    with clock.frozen(NOW):  # the clock's source is process-wide: set it once, for every thread
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    assert len(results) == THREADS
    assert {status for status, _, _ in results} == {201}, results
    assert len({content for _, content, _ in results}) == 1  # every one got the first response
    assert sum(1 for *_, replayed in results if not replayed) == 1
    assert Appointment.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1
