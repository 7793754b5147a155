"""Benchmark: series search and booking through the Django layer, on SQLite or PostgreSQL.

Prints figures; it is not a test. Run::

    .venv/bin/python bench/bench_booking.py                                  # SQLite file in var/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/needlepoint_bench \\
        .venv/bin/python bench/bench_booking.py --throughput                 # + 32 concurrent bookers

Scenario: one clinic with 2 locations, 20 practitioners (Mon-Fri 09:00-17:00), 8 rooms, 6 pens,
and a year of bookings (~10 k appointments). Each search is the full request path minus HTTP:
load the window's calendars from the database, build the engine, search 6 sessions 28-42 days
apart with varied preferences. Then ~1 M appointments of history (ten past years for the same
resources, and other clinics) are added and the same searches repeated: the ratio shows the
cost follows the searched window, not the table size. --throughput books single appointments
from 32 concurrent processes into free slots and reports bookings per second.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from bench_paths import standalone

standalone("booking")

YEAR_START = date(2027, 1, 4)
NOW = datetime(2027, 1, 3, 18, tzinfo=UTC)


def setup_django(fresh: bool) -> None:
    from bench_paths import setup_django as setup

    setup(os.environ["DATABASE_URL"], fresh)


def build_clinic(tag: str):  # type: ignore[no-untyped-def]
    from needlepoint.clinic.accounts.models import Membership, Role, User
    from needlepoint.clinic.booking.models import AppointmentType, BookingPolicy, WeeklyShift
    from needlepoint.clinic.clinics.models import Clinic, Device, Location, Room

    clinic = Clinic.objects.create(name=f"Bench {tag}", slug=f"bench-{tag}")
    BookingPolicy.objects.create(clinic=clinic, lead_time_minutes=60, horizon_days=800)
    # The protocol's timings (the type's defaults): 45 min numbing, 60 min treatment, 15 min cleaning.
    kind = AppointmentType.objects.create(clinic=clinic, name="Microneedling", device_kind="pen")
    locs = [
        Location.objects.create(clinic=clinic, name=f"{tag} L{i}", timezone="Europe/London") for i in range(2)
    ]
    rooms = [Room.objects.create(clinic=clinic, location=locs[i % 2], name=f"R{i}") for i in range(8)]
    devices = [
        Device.objects.create(
            clinic=clinic,
            location=locs[i % 2],
            name=f"{tag} P{i}",
            make="X",
            model="Y",
            max_depth_mm=Decimal("2.5"),
        )
        for i in range(6)
    ]
    practitioners = []
    shifts = []
    for i in range(20):
        user = User.objects.create_user(f"p{i}.{tag}@bench.test", None)
        m = Membership.objects.create(clinic=clinic, user=user, role=Role.PRACTITIONER, display_name=f"P{i}")
        m.locations.add(locs[i % 2])
        practitioners.append(m)
        shifts += [
            WeeklyShift(
                clinic=clinic, practitioner=m, location=locs[i % 2], weekday=d, start=time(9), end=time(17)
            )
            for d in range(5)
        ]
    WeeklyShift.objects.bulk_create(shifts)
    return clinic, kind, locs, rooms, devices, practitioners


def by_location(practitioners, locs):  # type: ignore[no-untyped-def]
    """Practitioners by the index of the (one) location they work at."""
    return {
        li: [p for p in practitioners if p.locations.all()[0].pk == loc.pk] for li, loc in enumerate(locs)
    }


def past_years(clinic, kind, locs, rooms, devices, people, years: range) -> int:  # type: ignore[no-untyped-def]
    """Busy past years (32 bookings a day, `years` back from YEAR_START): history a search skips."""
    return sum(
        fill(
            clinic, kind, locs, rooms, devices, people,
            first=YEAR_START - timedelta(days=364 * back), days=364, per_day=32, client_count=200,
        )
        for back in years
    )


def fill(
    clinic,
    kind,
    locs,
    rooms,
    devices,
    people,
    *,
    first: date,
    days: int,  # type: ignore[no-untyped-def]
    per_day: int,
    client_count: int = 2000,
) -> int:
    """Bulk-write appointments (bypassing the service: this is set-up, not what is measured)."""
    from needlepoint import scheduling as eng
    from needlepoint.clinic.booking.engine import engine_type
    from needlepoint.clinic.booking.models import Appointment
    from needlepoint.clinic.booking.services.book import _fields
    from needlepoint.clinic.clients.models import Client

    clients = Client.objects.bulk_create(
        [
            Client(clinic=clinic, first_name=f"C{i}", last_name="Bench", date_of_birth=date(1990, 1, 1))
            for i in range(client_count)
        ]
    )
    etype = engine_type(kind)
    rows, total = [], 0
    rng = random.Random(7)
    for d in range(days):
        day = first + timedelta(days=d)
        if day.weekday() > 4:
            continue
        for li in range(2):
            loc_rooms = [r for r in rooms if r.location_id == locs[li].pk]
            loc_devices = [x for x in devices if x.location_id == locs[li].pk]
            loc_people = people[li]
            for slot in range(per_day):
                # Rooms are the bottleneck: two-hour room blocks from 09:00, one per room per slot.
                room = loc_rooms[slot % len(loc_rooms)]
                start = datetime.combine(day, time(9, 45), UTC) + timedelta(
                    hours=2 * (slot // len(loc_rooms))
                )
                if start.hour >= 16:
                    continue
                e = eng.Appointment.build(
                    etype,
                    start,
                    location_id=str(locs[li].pk),
                    timezone="Europe/London",
                    practitioner_id=str(loc_people[slot % len(loc_people)].pk),
                    room_id=str(room.pk),
                    device_id=str(loc_devices[slot % len(loc_devices)].pk)
                    if slot < len(loc_devices)
                    else None,
                )
                fields = _fields(e)
                rows.append(
                    Appointment(
                        clinic=clinic,
                        client=clients[rng.randrange(len(clients))],
                        appointment_type=kind,
                        ics_uid=secrets.token_hex(16),
                        **fields,
                    )
                )
                if len(rows) >= 5000:
                    Appointment.objects.bulk_create(rows)
                    total += len(rows)
                    rows = []
    Appointment.objects.bulk_create(rows)
    return total + len(rows)


def searches(clinic, kind, n: int) -> list[float]:  # type: ignore[no-untyped-def]
    from needlepoint import scheduling as eng
    from needlepoint.clinic.booking import services
    from needlepoint.clinic.clients.models import Client

    client = Client.objects.filter(clinic=clinic).first()
    rng = random.Random(11)
    times = []
    for _ in range(n):
        first = YEAR_START + timedelta(days=rng.randrange(0, 200))
        prefs = eng.Preferences(
            same_practitioner=rng.choice(list(eng.SamePractitioner)),
            weekdays=frozenset(rng.sample(range(5), rng.randrange(0, 3))),
            time_of_day=rng.choice([None, eng.TimeOfDay.MORNING, eng.TimeOfDay.AFTERNOON]),
        )
        spec = services.SeriesSpec(
            client=client,
            appointment_type=kind,
            sessions=6,
            first_earliest=first,
            first_latest=first + timedelta(days=14),
            preferences=prefs,
        )
        t0 = clock.perf_counter()
        result, _ = services.search_series(clinic, spec, now=NOW)
        times.append((clock.perf_counter() - t0) * 1000)
        assert result.found or result.explanation is not None
    return times


def report(label: str, times: list[float]) -> float:
    times = sorted(times)
    p95 = times[int(len(times) * 0.95) - 1]
    print(f"{label:<52} median {statistics.median(times):7.2f} ms   p95 {p95:7.2f} ms   (n={len(times)})")
    return p95


def _booker(args: tuple[int, int, int, int]) -> tuple[int, int, float]:
    """One concurrent client: books `count` single appointments into its own free slots."""
    worker, clinic_id, count, _seed = args
    import django

    django.setup()
    from needlepoint import scheduling as eng
    from needlepoint.clinic.accounts.models import Membership
    from needlepoint.clinic.booking import services
    from needlepoint.clinic.booking.engine import engine_type
    from needlepoint.clinic.booking.models import AppointmentType
    from needlepoint.clinic.clients.models import Client
    from needlepoint.clinic.clinics.models import Clinic, Device, Location, Room
    from needlepoint.clinic.permissions import SystemActor

    clinic = Clinic.objects.get(pk=clinic_id)
    kind = AppointmentType.objects.get(clinic=clinic)
    etype = engine_type(kind)
    loc = Location.objects.filter(clinic=clinic).order_by("pk")[worker % 2]
    rooms = list(Room.objects.filter(location=loc).order_by("pk"))
    devices = list(Device.objects.filter(location=loc).order_by("pk"))
    people = list(Membership.objects.filter(clinic=clinic, locations=loc).order_by("pk"))
    client = Client.objects.filter(clinic=clinic).order_by("pk")[worker]
    ok = taken = 0
    t0 = clock.perf_counter()
    for i in range(count):
        # Worker w owns resource combination w (mod sizes) on its own days: mostly free slots,
        # with some collisions between workers sharing a room or device.
        day = date(2029, 1, 1) + timedelta(days=(i * 32 + worker) // 16 * 7 + (worker % 5))
        start = datetime.combine(day, time(9, 45), UTC) + timedelta(hours=2 * ((i * 32 + worker) % 4))
        e = eng.Appointment.build(
            etype,
            start,
            location_id=str(loc.pk),
            timezone=loc.timezone,
            practitioner_id=str(people[worker // 2 % len(people)].pk),
            room_id=str(rooms[worker // 2 % len(rooms)].pk),
            device_id=str(devices[worker // 2 % len(devices)].pk),
        )
        try:
            services.book_single(clinic, client, kind, e, actor=SystemActor(clinic.pk, "test"))
            ok += 1
        except services.SlotTaken:
            taken += 1
    return ok, taken, clock.perf_counter() - t0


def throughput(clinic_id: int, workers: int = 32, per_worker: int = 60) -> None:
    import multiprocessing as mp

    from django.db import connections

    connections.close_all()
    ctx = mp.get_context("fork")
    t0 = clock.perf_counter()
    with ctx.Pool(workers) as pool:
        results = pool.map(_booker, [(w, clinic_id, per_worker, w) for w in range(workers)])
    wall = clock.perf_counter() - t0
    ok = sum(r[0] for r in results)
    taken = sum(r[1] for r in results)
    busy = max(r[2] for r in results)  # the slowest client's booking loop, without process start-up
    print(
        f"booking throughput, {workers} concurrent clients: {ok / busy:7.1f} bookings/s "
        f"({ok} booked, {taken} refused as taken; {busy:.1f} s booking, {wall:.1f} s wall incl. start-up)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--searches", type=int, default=100)
    parser.add_argument("--history", type=int, default=1_000_000, help="appointments for the second run")
    parser.add_argument("--throughput", action="store_true", help="also measure concurrent booking")
    args = parser.parse_args()
    setup_django(fresh=True)
    from django.db import connection

    print(f"database: {connection.vendor}")
    clinic, kind, locs, rooms, devices, practitioners = build_clinic("main")
    people = by_location(practitioners, locs)
    n = fill(clinic, kind, locs, rooms, devices, people, first=YEAR_START, days=364, per_day=10)
    from needlepoint.clinic.booking.models import Appointment

    stored = Appointment.objects.count()
    print(f"a year of bookings: {n:,} appointments stored ({stored:,} in the table)")
    searches(clinic, kind, 5)  # warm-up
    p95_small = report(f"series search, {stored:,} stored", searches(clinic, kind, args.searches))

    t0 = clock.perf_counter()
    extra = 0
    # Ten past years of this clinic, then other clinics of the chain with ten years each.
    extra += past_years(clinic, kind, locs, rooms, devices, people, range(1, 11))
    other = 0
    while Appointment.objects.count() < args.history:
        other += 1
        o_clinic, o_kind, o_locs, o_rooms, o_devices, o_people = build_clinic(f"other{other}")
        o_by_loc = by_location(o_people, o_locs)
        extra += past_years(o_clinic, o_kind, o_locs, o_rooms, o_devices, o_by_loc, range(10))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE booking_appointment")
    stored_big = Appointment.objects.count()
    print(f"added {extra:,} appointments of history in {clock.perf_counter() - t0:.0f} s")
    searches(clinic, kind, 5)
    p95_big = report(f"series search, {stored_big:,} stored", searches(clinic, kind, args.searches))
    print(f"p95 ratio {stored_big:,} vs {stored:,} stored: {p95_big / p95_small:.2f}x (target <= 1.5x)")
    if args.throughput:
        throughput(clinic.pk)


if __name__ == "__main__":
    main()
