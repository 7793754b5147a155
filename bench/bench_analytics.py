"""Benchmark: practice analytics over a clinic chain with 100 k sessions, on SQLite or PostgreSQL.

Prints figures; it is not a test. Run::

    .venv/bin/python bench/bench_analytics.py                        # SQLite file in var/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/needlepoint_bench_analytics \\
        .venv/bin/python bench/bench_analytics.py                    # drops and recreates that database

Scenario: a chain of three clinics. The measured one has 20 practitioners, 4 appointment types,
20 k clients (Fitzpatrick I–VI), 20 k series of 5 sessions (100 k appointments: ~90 %
completed, ~5 % no-shows, ~5 % cancelled), each series with a plan naming its indication,
two Goodman–Baron quantitative scores and one satisfaction score per series (60 k scores) and
adverse events on ~2 % of sessions. Two smaller clinics (10 k sessions each) share the tables.
Everything is bulk-inserted (set-up, not measured). Then, for each grouping, the selector
(`practice_analytics`) and the owner's analytics page (request → HTML, through Django's test
client) are timed: median and p95 over repeated runs. Target: the page under 1 s.
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
from decimal import Decimal
from typing import Any

from bench_paths import standalone

standalone("analytics")

FIRST_DAY = date(2021, 1, 4)
INDICATIONS = [
    ("acne_scars", "Acne scars"),
    ("fine_lines", "Fine lines"),
    ("stretch_marks_alba", "Stretch marks"),
]
BATCH = 5000


def setup_django(fresh: bool) -> None:
    from bench_paths import setup_django as setup

    setup(os.environ["DATABASE_URL"], fresh)


def _bulk(model: Any, rows: list[Any]) -> list[Any]:
    out: list[Any] = []
    for i in range(0, len(rows), BATCH):
        out += model.objects.bulk_create(rows[i : i + BATCH])
    return out


def build_clinic(tag: str, *, series_count: int, practitioners: int, seed: int) -> tuple[Any, Any]:
    """One clinic with ``series_count`` × 5 sessions and their outcomes; returns (clinic, owner)."""
    from needlepoint.clinic.accounts.models import Membership, Role, User
    from needlepoint.clinic.booking.models import Appointment, AppointmentType, Series
    from needlepoint.clinic.clients.models import Client
    from needlepoint.clinic.clinics.models import Clinic, Location, Room
    from needlepoint.clinic.intake.models import Intake
    from needlepoint.clinic.outcomes.models import AdverseEvent, OutcomeScore
    from needlepoint.clinic.plans.models import PlanArea, TreatmentPlan
    from needlepoint.ops.history import plain_windows

    rng = random.Random(seed)
    clinic = Clinic.objects.create(name=f"Bench {tag}", slug=f"bench-{tag}")
    loc = Location.objects.create(clinic=clinic, name=f"{tag} Main", timezone="Europe/London")
    owner_user = User.objects.create_user(f"owner.{tag}@bench.test", None)
    owner = Membership.objects.create(clinic=clinic, user=owner_user, role=Role.OWNER)
    people = [
        Membership.objects.create(
            clinic=clinic,
            user=User.objects.create_user(f"p{i}.{tag}@bench.test", None),
            role=Role.PRACTITIONER,
            display_name=f"Practitioner {i}",
        )
        for i in range(practitioners)
    ]
    rooms = [Room.objects.create(clinic=clinic, location=loc, name=f"R{i}") for i in range(practitioners)]
    kinds = [
        AppointmentType.objects.create(clinic=clinic, name=n, duration_minutes=60, device_kind="pen")
        for n in ("Face", "Face and neck", "Body", "Scalp")
    ]
    clients = _bulk(
        Client,
        [
            Client(
                clinic=clinic,
                first_name=f"C{i}",
                last_name="Bench",
                date_of_birth=date(1990, 1, 1),
                fitzpatrick=rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5, 6]),
            )
            for i in range(series_count)
        ],
    )
    now = datetime(2026, 1, 1, tzinfo=UTC)
    intakes = _bulk(
        Intake,
        [
            Intake(
                clinic=clinic,
                client=c,
                version=1,
                source="staff",
                fitzpatrick=c.fitzpatrick,
                protocol_id="needlepoint-default",
                protocol_version="bench",
                submitted_at=now,
            )
            for c in clients
        ],
    )
    plans = _bulk(
        TreatmentPlan,
        [
            TreatmentPlan(
                clinic=clinic,
                client=c,
                intake=i,
                protocol_id="needlepoint-default",
                protocol_version="bench",
                device_kind="pen",
                device_max_mm=Decimal("2.5"),
                planned_on=FIRST_DAY,
            )
            for c, i in zip(clients, intakes, strict=True)
        ],
    )
    indications = [rng.choice(INDICATIONS) for _ in plans]
    _bulk(
        PlanArea,
        [
            PlanArea(
                clinic=clinic,
                plan=p,
                area="cheeks",
                area_name="Cheeks",
                indication=code,
                indication_name=name,
                recommended_mm=Decimal("1.0"),
                depth_mm=Decimal("1.0"),
                cap_mm=Decimal("2.0"),
            )
            for p, (code, name) in zip(plans, indications, strict=True)
        ],
    )
    series_status = [rng.choices(["completed", "cancelled", "active"], [70, 10, 20])[0] for _ in plans]
    series = _bulk(
        Series,
        [
            Series(
                clinic=clinic,
                client=c,
                appointment_type=rng.choice(kinds),
                sessions=5,
                plan=p,
                first_earliest=FIRST_DAY,
                first_latest=FIRST_DAY,
                gap_min_days=28,
                gap_max_days=42,
                status=st,
            )
            for c, p, st in zip(clients, plans, series_status, strict=True)
        ],
    )
    # Each practitioner works 4 two-hour slots a day in their own room: no overlaps anywhere.
    slot_of = [0] * practitioners
    appts: list[Any] = []
    for s in series:
        who = rng.randrange(practitioners)
        for index in range(5):
            k = slot_of[who]
            slot_of[who] += 1
            start = datetime.combine(FIRST_DAY, datetime.min.time(), UTC) + timedelta(
                days=k // 4, hours=9 + 2 * (k % 4)
            )
            status = rng.choices(["completed", "no_show", "cancelled"], [90, 5, 5])[0]
            appts.append(
                Appointment(
                    clinic=clinic,
                    series=s,
                    series_index=index,
                    client_id=s.client_id,
                    appointment_type_id=s.appointment_type_id,
                    location=loc,
                    practitioner=people[who],
                    room=rooms[who],
                    status=status,
                    ics_uid=secrets.token_hex(16),
                    **plain_windows(start, start + timedelta(hours=1)),
                )
            )
    appts = _bulk(Appointment, appts)
    scores: list[Any] = []
    events: list[Any] = []
    for i, s in enumerate(series):
        mine = appts[5 * i : 5 * i + 5]
        first, last = mine[0], mine[-1]
        baseline = rng.randrange(8, 60)
        after = max(0, baseline - rng.randrange(-4, 15))
        common = {
            "clinic": clinic,
            "client_id": s.client_id,
            "area": "cheeks",
            "indication": indications[i][0],
        }
        scores += [
            OutcomeScore(
                appointment=first,
                practitioner_id=first.practitioner_id,
                scale="goodman_baron_quantitative",
                value=baseline,
                session_at=first.start,
                improvement=None,
                is_latest=False,
                **common,
            ),
            OutcomeScore(
                appointment=last,
                practitioner_id=last.practitioner_id,
                scale="goodman_baron_quantitative",
                value=after,
                session_at=last.start,
                improvement=baseline - after,
                is_latest=True,
                **common,
            ),
            OutcomeScore(
                appointment=last,
                practitioner_id=last.practitioner_id,
                scale="client_satisfaction",
                value=rng.randint(2, 5),
                session_at=last.start,
                is_latest=True,
                **{**common, "area": ""},
            ),
        ]
        for a in mine:
            if a.status == "completed" and rng.random() < 0.02:
                events.append(
                    AdverseEvent(
                        clinic=clinic,
                        client_id=s.client_id,
                        appointment=a,
                        source="bench",
                        type=rng.choice(["bruising", "infection", "pigment_change"]),
                        severity="mild",
                    )
                )
    _bulk(OutcomeScore, scores)
    _bulk(AdverseEvent, events)
    return clinic, owner


def timed(fn: Any, runs: int) -> tuple[float, float]:
    fn()  # warm caches (template loading, query plans)
    times = []
    for _ in range(runs):
        t0 = clock.perf_counter()
        fn()
        times.append((clock.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, min(len(times) - 1, math.ceil(0.95 * len(times)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reuse", action="store_true", help="keep the database built by the last run")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--series", type=int, default=20_000, help="series (× 5 sessions) in the measured clinic"
    )
    args = parser.parse_args()
    setup_django(fresh=not args.reuse)

    from django.db import connection
    from django.test import Client as HttpClient
    from django.urls import reverse

    from needlepoint.clinic.accounts.models import Membership
    from needlepoint.clinic.booking.models import Appointment
    from needlepoint.clinic.clinics.models import Clinic
    from needlepoint.clinic.outcomes.analytics import DIMENSIONS, practice_analytics

    if not args.reuse:
        t0 = clock.perf_counter()
        build_clinic("north", series_count=2000, practitioners=4, seed=2)
        clinic, owner = build_clinic("main", series_count=args.series, practitioners=20, seed=1)
        build_clinic("south", series_count=2000, practitioners=4, seed=3)
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("ANALYZE")
        print(f"built in {clock.perf_counter() - t0:.0f} s")
    clinic = Clinic.objects.get(slug="bench-main")
    owner = Membership.objects.get(clinic=clinic, role="owner")
    n = Appointment.objects.filter(clinic=clinic).count()
    total = Appointment.objects.count()
    print(f"{connection.vendor}: {n:,} sessions in the measured clinic, {total:,} in the chain")

    http = HttpClient()
    http.force_login(owner.user)
    print(f"{'grouping':<14} {'rows':>5} {'selector median':>16} {'p95':>8} {'page median':>12} {'p95':>8}")
    worst = 0.0
    for dim in DIMENSIONS:
        rows = len(practice_analytics(clinic, dimension=dim).rows)
        sel = timed(lambda d=dim: practice_analytics(clinic, dimension=d), args.runs)

        def page(d: str = dim) -> None:
            response = http.get(reverse("analytics") + f"?by={d}")
            assert response.status_code == 200, response.status_code

        pg = timed(page, args.runs)
        worst = max(worst, pg[1])
        print(f"{dim:<14} {rows:>5} {sel[0]:>13.0f} ms {sel[1]:>5.0f} ms {pg[0]:>9.0f} ms {pg[1]:>5.0f} ms")
    print(f"worst page p95: {worst:.0f} ms (target < 1000 ms): {'met' if worst < 1000 else 'NOT met'}")


if __name__ == "__main__":
    main()
