"""Kill workers with SIGKILL at random moments while they deliver thousands of messages to a
real SMTP server: nothing is lost, and duplicates stay within one batch per kill."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.db import connection

from needlepoint import clock
from needlepoint.clinic.messaging.models import OutboxMessage, Status
from needlepoint.ops import worker
from tests.clinic.messaging.smtp_sink import Recorder, start_sink
from tests.conftest import ClinicWorld

BATCH = 25
WORKERS = 4


def worker_env(port: int) -> dict[str, str]:
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
        url = f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    else:
        url = f"sqlite:///{s['NAME']}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "NEEDLEPOINT_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "NEEDLEPOINT_EMAIL_HOST": "127.0.0.1",
        "NEEDLEPOINT_EMAIL_PORT": str(port),
        "NEEDLEPOINT_DEMO": "1",
    }


def enqueue(world: ClinicWorld, n: int, tag: str) -> list[str]:
    now = clock.now()
    rows = [
        OutboxMessage(
            clinic=world.clinic,
            client=world.client,
            kind="reminder_24h",
            channel="email",
            recipient=f"c{i}@example.com",
            subject=f"Message {i}",
            body=f"Body {i}",
            due_at=now,
            next_attempt_at=now,
            idempotency_key=f"{tag}.{i}",
        )
        for i in range(n)
    ]
    OutboxMessage.objects.bulk_create(rows, batch_size=1000)
    return [f"<{r.idempotency_key}@needlepoint.outbox>" for r in rows]


def spawn(env: dict[str, str], lease: float) -> subprocess.Popen[bytes]:
    cmd = worker.command(batch=BATCH, lease=lease, poll=0.1)
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.django_db(transaction=True)
def test_sigkilled_workers_lose_nothing_and_duplicates_are_bounded(clinic_a: ClinicWorld) -> None:
    on_pg = connection.vendor == "postgresql"
    n, kills_wanted = (3000, 12) if on_pg else (600, 5)  # SQLite: a smaller run of the same test
    expected = enqueue(clinic_a, n, "crash")
    recorder = Recorder(parse=False)
    controller, port = start_sink(recorder)
    env = worker_env(port)
    rng = random.Random(7)
    procs = [spawn(env, lease=2.0) for _ in range(WORKERS)]
    kills = 0
    deadline = time.monotonic() + 100
    try:
        while time.monotonic() < deadline:
            time.sleep(rng.uniform(0.3, 1.0))
            if kills < kills_wanted and recorder.ids:
                i = rng.randrange(WORKERS)
                procs[i].send_signal(signal.SIGKILL)
                procs[i].wait()
                kills += 1
                procs[i] = spawn(env, lease=2.0)
            done = OutboxMessage.objects.filter(
                idempotency_key__startswith="crash.", status=Status.SENT
            ).count()
            if done == n and kills >= kills_wanted:
                break
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        controller.stop()
    received = recorder.ids
    unique = set(received)
    duplicates = len(received) - len(unique)
    report = (
        f"crash test ({connection.vendor}): {n} messages, {kills} SIGKILLs, "
        f"{len(received)} received, {duplicates} duplicates"
    )
    print(report)
    Path(os.environ.get("NEEDLEPOINT_DATA_DIR", "var"), "crash-test-result.txt").write_text(report + "\n")
    assert unique >= set(expected), f"lost {len(set(expected) - unique)} messages"
    assert kills >= kills_wanted
    assert duplicates <= kills * BATCH
    assert (
        OutboxMessage.objects.filter(idempotency_key__startswith="crash.").exclude(status=Status.SENT).count()
        == 0
    )
