"""Benchmark: outbox dispatch throughput to a local SMTP server (aiosmtpd), K worker processes.

Prints figures; it is not a test. Run::

    .venv/bin/python bench/bench_messaging.py                       # SQLite file in var/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/needlepoint_bench \\
        .venv/bin/python bench/bench_messaging.py --messages 20000

For each K in --workers (default 1 and 4) it enqueues N due email messages, starts K
`needlepoint worker` processes (each with --concurrency loops) and times from the first message
is marked sent to the moment the last one is marked sent (process start-up excluded).
Each worker has its own aiosmtpd sink process that only records Message-IDs; every row is claimed, sent over a
real SMTP session, logged in DeliveryAttempt and marked sent, exactly as in production.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from bench_paths import ROOT, standalone

standalone("messaging")
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--concurrency", type=int, default=1, help="loops per worker process")
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from tests.clinic.messaging.smtp_sink import free_port

    from needlepoint.clinic.clients.models import Client
    from needlepoint.clinic.clinics.models import Clinic
    from needlepoint.clinic.messaging.models import DeliveryAttempt, OutboxMessage, Status
    from needlepoint.ops import worker

    call_command("migrate", verbosity=0)
    clinic, _ = Clinic.objects.get_or_create(slug="bench-messaging", defaults={"name": "Bench messaging"})
    client, _ = Client.objects.get_or_create(
        clinic=clinic, first_name="Bench", last_name="Client", defaults={"date_of_birth": date(1990, 1, 1)}
    )
    print(f"database: {connection.vendor}; {args.messages} messages per run; batch {args.batch}")
    for k in args.workers:
        DeliveryAttempt.objects.filter(clinic=clinic).delete()
        OutboxMessage.objects.filter(clinic=clinic).delete()
        now = datetime.now(UTC)
        tag = f"bench{int(time.time())}k{k}"
        OutboxMessage.objects.bulk_create(
            [
                OutboxMessage(
                    clinic=clinic,
                    client=client,
                    kind="reminder_24h",
                    channel="email",
                    recipient=f"c{i}@example.com",
                    subject=f"Reminder {i}",
                    body="Hello,\n\nSee you tomorrow at 14:00.\n" * 3,
                    due_at=now,
                    next_attempt_at=now,
                    idempotency_key=f"{tag}.{i}",
                )
                for i in range(args.messages)
            ],
            batch_size=2000,
        )
        sinks, procs, files = [], [], []
        for i in range(k):
            port = free_port()
            files.append(Path(tempfile.gettempdir()) / f"{tag}.{i}.ids")
            sinks.append(
                subprocess.Popen(
                    [sys.executable, "-m", "tests.clinic.messaging.smtp_sink", str(port), str(files[-1])],
                    cwd=ROOT,
                )
            )
            env = {
                **os.environ,
                "NEEDLEPOINT_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "NEEDLEPOINT_EMAIL_HOST": "127.0.0.1",
                "NEEDLEPOINT_EMAIL_PORT": str(port),
            }
            cmd = worker.command(batch=args.batch, poll=0.05, concurrency=args.concurrency)
            procs.append(subprocess.Popen(cmd, env=env))
        pending = OutboxMessage.objects.filter(clinic=clinic).exclude(status=Status.SENT)
        while not OutboxMessage.objects.filter(clinic=clinic, status=Status.SENT).exists():
            time.sleep(0.005)
        started = time.perf_counter()
        while pending.exists():
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        for p in procs + sinks:
            p.terminate()
        for p in procs + sinks:
            p.wait(timeout=30)
        ids = [line for f in files for line in f.read_text().splitlines()]
        for f in files:
            f.unlink()
        dup = len(ids) - len(set(ids))
        print(
            f"K={k} workers (x{args.concurrency} loops): {args.messages} messages in {elapsed:.2f} s "
            f"= {args.messages / elapsed:,.0f} messages/s (duplicates: {dup})"
        )


if __name__ == "__main__":
    main()
