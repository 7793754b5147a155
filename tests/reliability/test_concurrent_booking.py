"""≥ 10 k booking attempts from 32 concurrent clients, each with its own database connection, on
slots that overlap each other on practitioners, rooms and devices: zero overlaps, checked in SQL,
and every series is whole. (tests/clinic/booking/test_no_double_booking.py holds the small version that
also runs on SQLite; this one needs PostgreSQL's concurrency to mean anything.)"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from datetime import date
from typing import cast

import pytest
from django.db import connections

from needlepoint import scheduling as eng
from needlepoint.clinic.booking import services
from needlepoint.clinic.booking.models import Appointment, AppointmentType, Series
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Clinic
from needlepoint.clinic.permissions import SystemActor
from tests.clinic.booking.conftest import NOW, fitting_spec, make_booking_world
from tests.conftest import make_clinic_world
from tests.reliability.helpers import ON_POSTGRES, half_written_series, overlaps

CLIENTS = 32
ATTEMPTS = 10_016  # 313 per client


def _client_loop(
    worker: int, world: object, pool: list[eng.Appointment], client_ids: list[int], tally: Counter[str]
) -> None:
    rng = random.Random(worker)
    bw = world
    clinic = bw.world.clinic  # type: ignore[attr-defined]
    kind = bw.kind  # type: ignore[attr-defined]
    local: Counter[str] = Counter()
    try:
        for i in range(ATTEMPTS // CLIENTS):
            client = Client(pk=client_ids[(worker * 7 + i) % len(client_ids)], clinic=clinic)
            try:
                if i % 8 == 0:  # every eighth attempt is a two-session series: all or nothing
                    first, second = sorted(rng.sample(pool, 2), key=lambda e: e.start)
                    while second.day == first.day:  # booking re-checks the gap: at least a day
                        first, second = sorted(rng.sample(pool, 2), key=lambda e: e.start)
                    s = fitting_spec(bw, client, [first, second])  # type: ignore[arg-type]
                    services.book_series(clinic, s, [first, second], actor=SystemActor(clinic.pk, "test"))
                    local["series"] += 1
                else:
                    services.book_single(
                        clinic, client, kind, rng.choice(pool), actor=SystemActor(clinic.pk, "test")
                    )
                    local["ok"] += 1
            except services.SlotTaken:
                local["taken"] += 1
            except Exception as exc:
                local[f"error: {exc!r}"[:200]] += 1
    finally:
        connections.close_all()  # this thread's own connection
        tally.update(local)


@pytest.mark.postgres_only
@pytest.mark.skipif(not ON_POSTGRES, reason="concurrency on PostgreSQL (SQLite serialises writers)")
@pytest.mark.django_db(transaction=True)
def test_ten_thousand_attempts_from_32_clients_leave_no_overlap() -> None:
    bw = make_booking_world(make_clinic_world("R"), practitioners=4, rooms=3, devices=3)
    clinic = cast(Clinic, bw.world.clinic)
    slots, _ = services.search_slots(
        clinic, cast(AppointmentType, bw.kind), date(2027, 1, 5), date(2027, 2, 26), now=NOW, limit=20_000
    )
    # Every 15-minute start with every qualified practitioner: neighbouring candidates overlap
    # on practitioner, room and device in every combination.
    pool = [
        slot.appointment(practitioner_id=p, room_id=r, device_id=d)
        for slot in slots
        for k, p in enumerate(slot.practitioner_ids)
        for r, d in [(slot.room_ids[k % len(slot.room_ids)], slot.device_ids[k % len(slot.device_ids)])]
    ]
    assert len(pool) > 100
    client_ids = [
        c.pk
        for c in Client.objects.bulk_create(
            Client(clinic=clinic, first_name=f"C{i}", last_name="R", date_of_birth=date(1990, 1, 1))
            for i in range(400)
        )
    ]
    tally: Counter[str] = Counter()
    threads = [
        threading.Thread(target=_client_loop, args=(w, bw, pool, client_ids, tally)) for w in range(CLIENTS)
    ]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    elapsed = time.perf_counter() - t0
    errors = {k: v for k, v in tally.items() if k.startswith("error")}
    assert not errors, errors
    assert sum(tally.values()) == ATTEMPTS // CLIENTS * CLIENTS >= 10_000
    assert tally["ok"] > 100 and tally["taken"] > ATTEMPTS // 2 and tally["series"] > 10
    assert overlaps() == 0
    assert half_written_series() == 0
    booked = Appointment.objects.filter(clinic=clinic).count()
    assert booked == tally["ok"] + 2 * tally["series"] == Appointment.objects.active().count()
    assert Series.objects.filter(clinic=clinic).count() == tally["series"]
    print(f"{ATTEMPTS} attempts in {elapsed:.1f} s: {dict(tally)}")
