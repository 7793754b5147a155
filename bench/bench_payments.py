"""Benchmark: checkout and the owner's money reports, on SQLite or PostgreSQL.

Prints figures; it is not a test (bench/ is outside the suite's testpaths). Run::

    .venv/bin/python bench/bench_payments.py                         # SQLite file in var/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/needlepoint_bench_payments \\
        .venv/bin/python bench/bench_payments.py                     # drops and recreates that database

Scenario: one clinic, two locations (London and New York: the month holds London's spring-forward
day), 10 practitioners, 1,000 clients each with a 6-session package bought up front, and
``--visits`` completed visits (default 2,000) spread over March 2027. Each visit is checked out
through ``clinic.payments.checkout.check_out`` — the till's own service, in-process — with three
lines (two treatment areas and a serum), one package credit paying the treatment lines and the
serum paid half cash, half card terminal (every tenth by card through a confirmed Stripe charge:
processor time excluded, the tender is settled as the processor would). Each checkout is timed:
median and p95 (target p95 ≤ 50 ms on SQLite). Then the month's report (takings per local day ×
location × method, balances, deferred revenue, revenue per practitioner and treatment) and a
reconciliation against a generated Stripe export of the month are timed (target ≤ 1 s each).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import secrets
import statistics
import time as clock
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bench_paths import standalone

standalone("payments")

MONTH = (2027, 3)
SERUM_PRICE = 3600


def setup_django(fresh: bool) -> None:
    from bench_paths import setup_django as setup

    setup(os.environ["DATABASE_URL"], fresh)


def pct(times: list[float], p: float) -> float:
    ordered = sorted(times)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(p * len(ordered)) - 1))]


def build(visits: int, seed: int) -> tuple[Any, Any, Any, list[Any], Any]:
    """The clinic, its owner and front desk, the visits to check out, the serum."""
    from needlepoint.clinic.accounts.models import Membership, Role, User
    from needlepoint.clinic.booking.models import Appointment, AppointmentType
    from needlepoint.clinic.clients.models import Client
    from needlepoint.clinic.clinics.models import Clinic, Location, Room
    from needlepoint.clinic.payments.models import (
        Account,
        ClientPackage,
        EntryKind,
        LedgerEntry,
        Product,
        ProductStock,
    )
    from needlepoint.ops.history import plain_windows

    rng = random.Random(seed)
    clinic = Clinic.objects.create(name="Bench payments", slug="bench-payments", currency="GBP")
    locations = [
        Location.objects.create(clinic=clinic, name="London", timezone="Europe/London"),
        Location.objects.create(clinic=clinic, name="New York", timezone="America/New_York"),
    ]
    owner = Membership.objects.create(
        clinic=clinic, user=User.objects.create_user("owner@bench.test", None), role=Role.OWNER
    )
    desk = Membership.objects.create(
        clinic=clinic, user=User.objects.create_user("desk@bench.test", None), role=Role.FRONT_DESK
    )
    people = [
        Membership.objects.create(
            clinic=clinic,
            user=User.objects.create_user(f"p{i}@bench.test", None),
            role=Role.PRACTITIONER,
            display_name=f"Practitioner {i}",
        )
        for i in range(10)
    ]
    rooms = [Room.objects.create(clinic=clinic, location=locations[i % 2], name=f"R{i}") for i in range(10)]
    kind = AppointmentType.objects.create(clinic=clinic, name="Face and neck", duration_minutes=60)
    serum = Product.objects.create(clinic=clinic, name="Recovery serum", price_minor=SERUM_PRICE)
    for loc in locations:
        ProductStock.objects.create(clinic=clinic, product=serum, location=loc, quantity=1_000_000)
    clients = Client.objects.bulk_create(
        [
            Client(clinic=clinic, first_name=f"C{i}", last_name="Bench", date_of_birth=date(1990, 1, 1))
            for i in range(1000)
        ]
    )
    sold = datetime(2027, 2, 1, 10, tzinfo=UTC)
    packages = ClientPackage.objects.bulk_create(
        [
            ClientPackage(
                clinic=clinic,
                client=c,
                name="Course of 6",
                sessions_total=6,
                price_minor=108000,
                currency="GBP",
                sold_at=sold,
                expires_at=sold + timedelta(days=365),
            )
            for c in clients
        ]
    )
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                clinic=clinic,
                client=c,
                account=Account.CREDIT,
                kind=EntryKind.CREDIT_ISSUED,
                amount_minor=108000,
                currency="GBP",
                created_at=sold,
            )
            for c in clients
        ]
    )
    first = datetime(*MONTH, 1, 9, tzinfo=UTC)
    appts = []
    for i in range(visits):
        who = i % 10
        day, slot = divmod(i // 10, 8)  # 8 one-hour visits a day per practitioner
        start = first + timedelta(days=day % 31, hours=slot)
        appts.append(
            Appointment(
                clinic=clinic,
                client=clients[rng.randrange(len(clients))] if i >= 1000 else clients[i],
                appointment_type=kind,
                location=rooms[who].location,
                practitioner=people[who],
                room=rooms[who],
                status="completed",
                ics_uid=secrets.token_hex(16),
                **plain_windows(start, start + timedelta(hours=1)),
            )
        )
    appts = Appointment.objects.bulk_create(appts)
    by_client = {p.client_id: p for p in packages}
    return clinic, owner, desk, [(a, by_client[a.client_id]) for a in appts], serum


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visits", type=int, default=2000, help="completed visits in the month")
    parser.add_argument("--runs", type=int, default=10, help="report runs")
    args = parser.parse_args()
    setup_django(fresh=True)

    from django.db import connection, transaction

    from needlepoint.clinic.payments import reports
    from needlepoint.clinic.payments.checkout import CheckoutSpec, check_out
    from needlepoint.clinic.payments.invoices import LineSpec
    from needlepoint.clinic.payments.models import ClientPackageStatus, Tender
    from needlepoint.clinic.payments.tenders import TenderSpec, settle

    t0 = clock.perf_counter()
    clinic, owner, desk, visits, serum = build(args.visits, seed=1)
    print(f"{connection.vendor}: built {len(visits):,} visits in {clock.perf_counter() - t0:.1f} s")

    times: list[float] = []
    stripe_lines = ["balance_transaction_id,created_utc,currency,gross,reporting_category,payment_intent_id"]
    for i, (appt, package) in enumerate(visits):
        credit = package.pk if package.status == ClientPackageStatus.ACTIVE else None
        lines = [
            LineSpec(
                kind="treatment",
                description="Microneedling: cheeks",
                unit_price_minor=12000,
                areas=("cheeks",),
            ),
            LineSpec(
                kind="treatment", description="Microneedling: neck", unit_price_minor=8000, areas=("neck",)
            ),
            LineSpec(
                kind="product", description="Recovery serum", unit_price_minor=SERUM_PRICE, product=serum
            ),
        ]
        due = SERUM_PRICE + (0 if credit else 20000)
        card = i % 10 == 0
        tenders = (
            [TenderSpec("stripe", due)]
            if card
            else [TenderSpec("cash", due // 2), TenderSpec("card_terminal", due - due // 2)]
        )
        at = appt.end + timedelta(minutes=5)
        start = clock.perf_counter()
        result = check_out(appt, CheckoutSpec(lines, tenders, client_package_id=credit), actor=desk, now=at)
        times.append((clock.perf_counter() - start) * 1000)
        if credit is not None:
            package.refresh_from_db(fields=["status"])
        for t in result.pending:  # what processor.collect records when Stripe confirms (not timed)
            pi = f"pi_bench_{t.pk}"
            Tender.objects.filter(pk=t.pk).update(processor_id=pi)
            t.processor_id = pi
            with transaction.atomic():
                settle(t, at=at)
            stripe_lines.append(
                f"txn_{t.pk},{at:%Y-%m-%d %H:%M:%S},gbp,{t.amount_minor / 100:.2f},charge,{pi}"
            )
    p50, p95 = statistics.median(times), pct(times, 0.95)
    print(
        f"checkout (3 lines, package credit, split tenders), {len(times):,} visits: "
        f"median {p50:.1f} ms, p95 {p95:.1f} ms, max {max(times):.1f} ms "
        f"(target p95 ≤ 50 ms): {'met' if p95 <= 50 else 'NOT met'}"
    )

    period = reports.Period.month(*MONTH)

    def timed(fn: Any) -> tuple[float, float]:
        fn()  # warm
        runs = []
        for _ in range(args.runs):
            s = clock.perf_counter()
            fn()
            runs.append((clock.perf_counter() - s) * 1000)
        return statistics.median(runs), pct(runs, 0.95)

    report = reports.money_report(clinic, period, actor=owner)
    print(
        f"month: {len(report.takings)} takings rows, {len(report.balances)} balances, "
        f"{len(report.deferred.packages)} packages with credit, "
        f"{len(report.revenue.per_practitioner)} practitioners"
    )
    m, p = timed(lambda: reports.money_report(clinic, period, actor=owner))
    print(
        f"money report for the month: median {m:.0f} ms, p95 {p:.0f} ms "
        f"(target ≤ 1000 ms): {'met' if p <= 1000 else 'NOT met'}"
    )
    text = "\n".join(stripe_lines) + "\n"

    def reconcile() -> None:
        rows = reports.parse_stripe_csv(text, currency="GBP")
        rec = reports.reconcile(clinic, period, rows, actor=owner)
        assert not rec.problems, rec.problems[:3]

    m2, p2 = timed(reconcile)
    print(
        f"Stripe reconciliation ({len(stripe_lines) - 1} charges): median {m2:.0f} ms, p95 {p2:.0f} ms "
        f"(target ≤ 1000 ms): {'met' if p2 <= 1000 else 'NOT met'}"
    )
    m3, p3 = timed(lambda: [reports.to_csv(reports.csv_rows(report, t)) for t in reports.TABLES])
    print(f"CSV of every table: median {m3:.0f} ms, p95 {p3:.0f} ms")
    print(f"load average: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
