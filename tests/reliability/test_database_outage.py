"""The database goes away under load: requests fail cleanly, then recover, and nothing is half-written.

The outage is every connection of the test database being killed server-side
(`pg_terminate_backend`) three times while clients book series and poll the health endpoint,
then a second of the database refusing new connections (`ALLOW_CONNECTIONS false`) after one
more kill: for the application this is what a PostgreSQL restart looks like (connections die
mid-query or between queries, reconnects are refused until it is back). Restarting the whole
cluster would also kill other databases' sessions on a shared machine, so the test scopes the
outage to its own database.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import date
from typing import cast

import pytest
from django.db import DatabaseError, close_old_connections, connection, connections
from django.test import Client as HttpClient

from needlepoint import scheduling as eng
from needlepoint.clinic.booking import services
from needlepoint.clinic.booking.models import Appointment, AppointmentType, Series
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Clinic
from needlepoint.clinic.permissions import SystemActor
from tests.clinic.booking.conftest import NOW, BookingWorld, fitting_spec, make_booking_world
from tests.conftest import make_clinic_world
from tests.reliability.helpers import ON_POSTGRES, half_written_series, overlaps

WORKERS = 6
KILLS = 3


def _kill_other_sessions() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return int(cursor.fetchone()[0])


def _accept_connections(accept: bool) -> None:
    # While off, new connections are refused ("database ... is not currently accepting
    # connections"), as while a server restarts. PostgreSQL only lets another database's
    # session change that, hence the maintenance database.
    import psycopg

    params = connection.get_connection_params()
    params.update(dbname="postgres", autocommit=True)
    params.pop("context", None)
    params.pop("cursor_factory", None)
    name = connection.ops.quote_name(connection.settings_dict["NAME"])
    with psycopg.connect(**params) as control:
        control.execute(f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS {str(accept).lower()}")


def _booker(worker: int, bw: object, pool: list, stop: threading.Event, log: list[tuple[float, str]]) -> None:
    clinic = bw.world.clinic  # type: ignore[attr-defined]
    client = Client.objects.create(
        clinic=clinic, first_name=f"W{worker}", last_name="O", date_of_birth=date(1990, 1, 1)
    )
    i = worker
    try:
        while not stop.is_set():
            started = time.monotonic()  # outcomes are logged by when the request began
            close_old_connections()  # what Django does at the start and end of every request
            first, second = pool[i % len(pool)], pool[(i + 37) % len(pool)]
            i += WORKERS
            try:
                pair = sorted([first, second], key=lambda e: e.start)
                services.book_series(
                    clinic, fitting_spec(bw, client, pair), pair, actor=SystemActor(clinic.pk, "test")  # type: ignore[arg-type]
                )
                outcome = "ok"
            except services.SlotTaken:
                outcome = "taken"
            except DatabaseError as exc:  # the typed error a caller sees while the database is away
                outcome = f"db:{type(exc).__name__}"
            except Exception as exc:
                outcome = f"error:{exc!r}"[:200]
            log.append((started, outcome))
            close_old_connections()
    finally:
        connections.close_all()


def _poller(stop: threading.Event, log: list[tuple[float, str]]) -> None:
    http = HttpClient(raise_request_exception=False)
    try:
        while not stop.is_set():
            # The test client unhooks Django's per-request connection check (CONN_HEALTH_CHECKS,
            # close_old_connections); a real server runs it around every request, so do the same.
            started = time.monotonic()
            close_old_connections()
            log.append((started, f"http:{http.get('/healthz').status_code}"))
            close_old_connections()
            time.sleep(0.02)
    finally:
        connections.close_all()


def _free_slots(bw: BookingWorld, first: date, last: date, *, limit: int) -> list[eng.Slot]:
    slots, _ = services.search_slots(
        cast(Clinic, bw.world.clinic), cast(AppointmentType, bw.kind), first, last, now=NOW, limit=limit
    )
    return slots


@pytest.mark.postgres_only
@pytest.mark.skipif(not ON_POSTGRES, reason="kills PostgreSQL sessions")
@pytest.mark.django_db(transaction=True)
def test_bookings_fail_cleanly_while_the_database_is_away_and_recover() -> None:
    bw = make_booking_world(make_clinic_world("O"), practitioners=3, rooms=3, devices=3)
    slots = _free_slots(bw, date(2027, 1, 5), date(2027, 3, 26), limit=5000)
    pool = [slot.appointment() for slot in slots[::4]]
    stop = threading.Event()
    log: list[tuple[float, str]] = []
    threads = [threading.Thread(target=_booker, args=(w, bw, pool, stop, log)) for w in range(WORKERS)]
    threads.append(threading.Thread(target=_poller, args=(stop, log)))
    for t in threads:
        t.start()
    time.sleep(1.5)
    killed = 0
    try:
        for _ in range(KILLS):
            killed += _kill_other_sessions()
            time.sleep(0.7)
        # Then the database is down for a while: killed, and refusing new connections.
        _accept_connections(False)
        down_from = time.monotonic()
        for _ in range(5):  # again and again: a connection mid-start-up can slip past one kill
            killed += _kill_other_sessions()
            time.sleep(0.2)
    finally:
        _accept_connections(True)
    outage_over = time.monotonic()
    time.sleep(2.0)  # recovery phase: everything must work again
    stop.set()
    for t in threads:
        t.join(timeout=60)

    outcomes = Counter(o for _, o in log)
    assert killed >= WORKERS, "the outage did not hit the clients"
    assert not [o for o in outcomes if o.startswith("error")], outcomes
    assert any(o.startswith("db:") for o in outcomes), outcomes  # some requests did fail ...
    down = Counter(o for t, o in log if down_from + 0.2 < t < outage_over)
    # While it was down, requests kept failing cleanly (typed database errors, 5xx pages).
    assert sum(v for o, v in down.items() if o.startswith("db:")) > 0, down
    assert down["http:500"] + down["http:503"] > 0, down
    assert {o for o in outcomes if o.startswith("http")} <= {"http:200", "http:500", "http:503"}, outcomes
    after = Counter(o for t, o in log if t > outage_over + 0.5)
    # ... and the service recovered: the database answers again ("taken" is a database answer too:
    # on a fast machine the bookers can use up the slot pool before the outage ends).
    assert after["ok"] + after["taken"] > 0 and after["http:200"] > 0, after
    assert not [o for o in after if o.startswith("db:") or o == "http:500"], after
    # Nothing half-written: every series stored whole, every appointment in a series, no overlap.
    assert half_written_series() == 0
    assert Appointment.objects.filter(series__isnull=True).count() == 0
    assert Appointment.objects.count() == 2 * Series.objects.count()
    # A commit whose reply was lost to the kill is stored though the caller saw an error.
    failed = sum(v for o, v in outcomes.items() if o.startswith("db:"))
    assert outcomes["ok"] <= Series.objects.count() <= outcomes["ok"] + failed
    assert overlaps() == 0
    # A new booking on slots nobody tried succeeds after the outage.
    close_old_connections()
    fresh = _free_slots(bw, date(2027, 4, 5), date(2027, 4, 30), limit=50)
    before = Series.objects.count()
    late = Client.objects.create(
        clinic=bw.world.clinic, first_name="Late", last_name="O", date_of_birth=date(1990, 1, 1)
    )
    pair = [fresh[0].appointment(), fresh[-1].appointment()]
    services.book_series(
        cast(Clinic, bw.world.clinic),
        fitting_spec(bw, late, pair),  # type: ignore[arg-type]
        pair,
        actor=SystemActor(bw.world.clinic.pk, "test"),
    )
    assert Series.objects.count() == before + 1
