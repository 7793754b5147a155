"""Scenario generator: a clinic chain loaded into SQLite or PostgreSQL for the benchmarks.

At ``--scale 1``: one clinic (the chain) with 10 locations, 50 practitioners, 20 rooms, 15 pens,
200 k clients, 2 M past appointments and a year of future bookings (~70 % of room slots taken).
Smaller scales shrink clients and appointments (the resources stay, so the calendars a search
reads are the same size; only history and the client table shrink).

Rooms are the chain's bottleneck (2 per site, 5 two-hour blocks a day, Mon-Sat): the chain's
capacity is ~31 k appointments a year, so 2 M past appointments reach back decades. That is
the issue's stress figure; it is what makes "cost follows the searched window, not the table"
a real test. Past appointments are completed (5 % no-shows, 8 % cancelled), future ones booked.

Loading is bulk, bypassing services (this is set-up, not what is measured): small tables through
the ORM, clients and appointments with ``COPY`` on PostgreSQL (the appointment table's
exclusion constraints and indexes are dropped during the copy and rebuilt after, as pg_restore
does) and ``executemany`` in large transactions on SQLite. Deterministic for a given ``--seed``
and ``--today``. Writes the state the benchmarks read (clinic id, logins, counts) to
``$NP_BENCH_DIR/chain-pg.json`` or ``chain-sqlite.json`` (NP_BENCH_DIR defaults to /tmp/np-bench).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/np_bench .venv/bin/python bench/scenario.py --db postgres
    .venv/bin/python bench/scenario.py --db sqlite --scale 0.05      # /tmp/np-bench/chain.sqlite3
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import sys
import time as clock
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from bench_paths import BENCH_DIR, setup_django  # noqa: E402

sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/np_bench"
SQLITE_DEFAULT = f"sqlite:///{BENCH_DIR / 'chain.sqlite3'}"
PASSWORD = "bench-password-123"

LOCATIONS = 10
PRACTITIONERS = 50
ROOMS = 20
DEVICES = 15
CLIENTS = 200_000
PAST = 2_000_000
ZONES = ["Europe/London", "Europe/London", "Europe/Dublin", "Europe/Paris", "Europe/Berlin"] * 2
DAY_FIRST = time(9, 0)
BLOCK = timedelta(hours=2)  # numbing 45 + treatment 60 + cleaning 15: the room is busy 2 h
BLOCKS_PER_DAY = 5  # 09:00 .. 19:00 local
FUTURE_FILL = 0.7


# -- bulk writing ----------------------------------------------------------------------------


def _defaults(model: Any, given: Sequence[str]) -> dict[str, Any]:
    """Every other concrete column's default, prepared for the database (Django sets no
    database defaults, so a raw insert must supply them)."""
    from django.db import connection

    out: dict[str, Any] = {}
    for f in model._meta.concrete_fields:
        if f.primary_key or f.column in given:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value: Any = datetime.now(UTC)
        else:
            value = f.get_default()
        out[f.column] = f.get_db_prep_save(value, connection)
    return out


def _pg_text(value: Any) -> str:
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if hasattr(value, "obj"):  # psycopg Jsonb wrapper
        return json.dumps(value.obj).replace("\\", "\\\\")
    return str(value)


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, Decimal):
        return str(value)
    return value


def bulk_insert(
    model: Any, columns: Sequence[str], rows: Iterable[Sequence[Any]], batch: int = 50_000
) -> int:
    """Insert rows of `columns` (other columns get their defaults); returns the count."""
    from django.db import connection, transaction

    fixed = _defaults(model, columns)
    quote = connection.ops.quote_name
    names = [*columns, *fixed]
    table = model._meta.db_table
    count = 0
    if connection.vendor == "postgresql":
        tail = "\t".join(_pg_text(v) for v in fixed.values())
        sql = f"COPY {table} ({', '.join(map(quote, names))}) FROM STDIN"
        with transaction.atomic(), connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            buf = io.StringIO()
            for row in rows:
                buf.write("\t".join(map(_pg_text, row)))
                buf.write("\t" + tail + "\n" if tail else "\n")
                count += 1
                if count % batch == 0:
                    copy.write(buf.getvalue())
                    buf = io.StringIO()
            copy.write(buf.getvalue())
        return count
    tail_values = tuple(_sqlite_value(v) for v in fixed.values())
    sql = f"INSERT INTO {table} ({', '.join(map(quote, names))}) VALUES ({', '.join(['%s'] * len(names))})"  # noqa: S608
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(tuple(map(_sqlite_value, row)) + tail_values)
        if len(chunk) >= batch:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(sql, chunk)
            count += len(chunk)
            chunk = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, chunk)
    return count + len(chunk)


class _DeferredConstraints:
    """PostgreSQL: drop the appointment table's indexes and exclusion constraints around a bulk
    copy and rebuild them after (one sorted build instead of millions of index inserts)."""

    def __init__(self, table: str) -> None:
        self.table = table
        self.constraints: list[tuple[str, str]] = []
        self.indexes: list[str] = []

    def __enter__(self) -> _DeferredConstraints:
        from django.db import connection

        if connection.vendor != "postgresql":
            return self
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('x', 'u')",
                [self.table],
            )
            self.constraints = list(cursor.fetchall())
            for name, _ in self.constraints:
                cursor.execute(f'ALTER TABLE {self.table} DROP CONSTRAINT "{name}"')
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
                "AND NOT x.indisprimary",
                [self.table],
            )
            rows = cursor.fetchall()
            self.indexes = [definition for _, definition in rows]
            for name, _ in rows:
                cursor.execute(f'DROP INDEX "{name}"')
        return self

    def __exit__(self, *exc: object) -> None:
        from django.db import connection

        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '256MB'")
            for definition in self.indexes:
                cursor.execute(definition)
            for name, definition in self.constraints:
                cursor.execute(f'ALTER TABLE {self.table} ADD CONSTRAINT "{name}" {definition}')
            cursor.execute(f"ANALYZE {self.table}")


# -- the chain ------------------------------------------------------------------------------


def build_chain(rng: random.Random) -> dict[str, Any]:
    from needlepoint.clinic.accounts.models import Membership, Role, User
    from needlepoint.clinic.booking.models import AppointmentType, BookingPolicy, WeeklyShift
    from needlepoint.clinic.clinics.models import Clinic, Device, Location, Room

    clinic = Clinic.objects.create(name="Bench Chain", slug="bench-chain")
    BookingPolicy.objects.create(clinic=clinic, lead_time_minutes=60, horizon_days=400)
    # The protocol's timings (the types' defaults): 45 min numbing, 60 min treatment, 15 min cleaning.
    pen = AppointmentType.objects.create(clinic=clinic, name="Microneedling (pen)", device_kind="pen")
    roller = AppointmentType.objects.create(clinic=clinic, name="Microneedling (body)")
    locations = [
        Location.objects.create(clinic=clinic, name=f"Site {i + 1}", timezone=ZONES[i])
        for i in range(LOCATIONS)
    ]
    rooms = [
        Room.objects.create(
            clinic=clinic, location=locations[i % LOCATIONS], name=f"Room {i // LOCATIONS + 1}"
        )
        for i in range(ROOMS)
    ]
    devices = [
        Device.objects.create(
            clinic=clinic,
            location=locations[i % LOCATIONS],
            name=f"Pen {i + 1}",
            make="Bench",
            model="P",
            max_depth_mm=Decimal("2.5"),
        )
        for i in range(DEVICES)
    ]
    owner = User.objects.create_user("owner@bench.test", PASSWORD)
    Membership.objects.create(clinic=clinic, user=owner, role=Role.OWNER, display_name="Owner")
    desk = User.objects.create_user("desk@bench.test", PASSWORD)
    Membership.objects.create(clinic=clinic, user=desk, role=Role.FRONT_DESK, display_name="Desk")
    practitioners = []
    shifts = []
    for i in range(PRACTITIONERS):
        user = User.objects.create_user(f"p{i}@bench.test", None)
        loc = locations[i % LOCATIONS]
        m = Membership.objects.create(
            clinic=clinic, user=user, role=Role.PRACTITIONER, display_name=f"P{i:02d}"
        )
        m.locations.add(loc)
        practitioners.append(m)
        shifts += [
            WeeklyShift(
                clinic=clinic, practitioner=m, location=loc, weekday=d, start=time(8, 30), end=time(19, 30)
            )
            for d in range(6)
        ]
    WeeklyShift.objects.bulk_create(shifts)
    return {
        "clinic": clinic,
        "pen": pen,
        "roller": roller,
        "locations": locations,
        "rooms": rooms,
        "devices": devices,
        "practitioners": practitioners,
        "owner": owner,
        "desk": desk,
    }


def client_rows(
    clinic_id: int, count: int, locations: list[int], rng: random.Random
) -> Iterator[tuple[Any, ...]]:
    first = ["Ada", "Ben", "Cleo", "Dev", "Ema", "Finn", "Gia", "Hal", "Iris", "Jo", "Kai", "Lea"]
    last = ["Smith", "Jones", "Patel", "Brown", "Khan", "Evans", "Wilson", "Taylor", "Moore", "Clark"]
    for i in range(count):
        yield (
            clinic_id,
            rng.choice(first),
            f"{rng.choice(last)}-{i}",
            date(1960 + i % 45, 1 + i % 12, 1 + i % 28),
            f"client{i}@bench.test",
            locations[i % len(locations)],
            i % 3 != 0,
        )


APPT_COLUMNS = (
    "clinic_id",
    "client_id",
    "appointment_type_id",
    "location_id",
    "practitioner_id",
    "room_id",
    "device_id",
    "start",
    "end",
    "arrival",
    "practitioner_start",
    "practitioner_end",
    "room_start",
    "room_end",
    "device_start",
    "device_end",
    "busy_start",
    "busy_end",
    "status",
    "ics_uid",
    "cancelled_at",
)


def appointment_rows(
    chain: dict[str, Any],
    clients: list[int],
    days: Iterable[date],
    fill: float,
    status_of: Any,
    rng: random.Random,
    limit: int,
) -> Iterator[tuple[Any, ...]]:
    """Room blocks of 2 h from 09:00 local, Mon-Sat. Within a site, the practitioner of room r
    in block b is (2b + r) mod 5, so no practitioner is in two rooms at once; room r uses pen r
    when the site has one (else the no-device type): no resource is ever double-booked."""
    from needlepoint import scheduling as eng
    from needlepoint.clinic.booking.engine import engine_type

    clinic_id = chain["clinic"].pk
    pen, roller = chain["pen"], chain["roller"]
    sample = eng.Appointment.build(
        engine_type(pen),
        datetime(2030, 1, 7, 12, tzinfo=UTC),
        location_id="1",
        timezone="UTC",
        practitioner_id="1",
        room_id="1",
        device_id="1",
    )
    s = sample.start

    def off(t: datetime) -> timedelta:
        return t - s

    o_end, o_arr = off(sample.end), off(sample.arrival)
    o_ps, o_pe = off(sample.practitioner_interval.start), off(sample.practitioner_interval.end)
    o_rs, o_re = off(sample.room_interval.start), off(sample.room_interval.end)
    assert sample.device_interval is not None
    o_ds, o_de = off(sample.device_interval.start), off(sample.device_interval.end)
    o_bs, o_be = min(o_arr, o_ps, o_rs, o_ds), max(o_end, o_pe, o_re, o_de)
    sites = []
    for loc in chain["locations"]:
        sites.append(
            (
                loc.pk,
                ZoneInfo(loc.timezone),
                [r.pk for r in chain["rooms"] if r.location_id == loc.pk],
                [d.pk for d in chain["devices"] if d.location_id == loc.pk],
                [p.pk for p in chain["practitioners"] if p.locations.all()[0].pk == loc.pk],
            )
        )
    offsets = (
        o_end,
        o_arr,
        o_ps,
        o_pe,
        o_rs,
        o_re,
        o_ds,
        o_de,
        o_bs,
        o_be,
        min(o_arr, o_ps, o_rs),
        max(o_end, o_pe, o_re),
    )
    return _rows(sites, clinic_id, pen.pk, roller.pk, clients, days, fill, status_of, rng, limit, offsets)


def _rows(
    sites: list[tuple[int, ZoneInfo, list[int], list[int], list[int]]],
    clinic_id: int,
    pen: int,
    roller: int,
    clients: list[int],
    days: Iterable[date],
    fill: float,
    status_of: Any,
    rng: random.Random,
    limit: int,
    offsets: tuple[timedelta, ...],
) -> Iterator[tuple[Any, ...]]:
    o_end, o_arr, o_ps, o_pe, o_rs, o_re, o_ds, o_de, o_bs, o_be, o_bs0, o_be0 = offsets
    n = 0
    for day in days:
        if day.weekday() == 6:
            continue
        for loc_id, zone, rooms, devices, people in sites:
            first = datetime.combine(day, DAY_FIRST, zone).astimezone(UTC) - o_arr
            for b in range(BLOCKS_PER_DAY):
                start = first + b * BLOCK
                for r, room in enumerate(rooms):
                    if rng.random() >= fill:
                        continue
                    device = devices[r] if r < len(devices) else None
                    status, cancelled = status_of(rng, start)
                    yield (
                        clinic_id,
                        clients[rng.randrange(len(clients))],
                        pen if device else roller,
                        loc_id,
                        people[(2 * b + r) % len(people)],
                        room,
                        device,
                        start,
                        start + o_end,
                        start + o_arr,
                        start + o_ps,
                        start + o_pe,
                        start + o_rs,
                        start + o_re,
                        start + o_ds if device else None,
                        start + o_de if device else None,
                        start + (o_bs if device else o_bs0),
                        start + (o_be if device else o_be0),
                        status,
                        f"{rng.getrandbits(128):032x}",
                        cancelled,
                    )
                    n += 1
                    if n >= limit:
                        return


def _past_status(rng: random.Random, start: datetime) -> tuple[str, datetime | None]:
    x = rng.random()
    if x < 0.08:
        return "cancelled", start - timedelta(days=3)
    return ("no_show" if x < 0.13 else "completed"), None


def _future_status(rng: random.Random, start: datetime) -> tuple[str, datetime | None]:
    return "booked", None


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--url", help="database URL (default: np_bench on the local PostgreSQL, or /tmp SQLite)"
    )
    parser.add_argument("--scale", type=float, default=1.0, help="0.01 .. 1: clients and past appointments")
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--today", type=date.fromisoformat, default=datetime.now(UTC).date())
    args = parser.parse_args()
    if not 0.001 <= args.scale <= 1:
        parser.error("--scale must be between 0.001 and 1")
    url = args.url or (PG_DEFAULT if args.db == "postgres" else SQLITE_DEFAULT)
    t_all = clock.perf_counter()
    setup_django(url, fresh=True)
    from django.db import connection

    from needlepoint.clinic.booking.models import Appointment
    from needlepoint.clinic.clients.models import Client

    rng = random.Random(args.seed)
    chain = build_chain(rng)
    clinic_id = chain["clinic"].pk
    t0 = clock.perf_counter()
    n_clients = bulk_insert(
        Client,
        (
            "clinic_id",
            "first_name",
            "last_name",
            "date_of_birth",
            "email",
            "preferred_location_id",
            "consent_email",
        ),
        client_rows(clinic_id, max(int(CLIENTS * args.scale), 100), [x.pk for x in chain["locations"]], rng),
    )
    clients = list(Client.objects.filter(clinic_id=clinic_id).order_by("pk").values_list("pk", flat=True))
    print(f"clients: {n_clients:,} in {clock.perf_counter() - t0:.1f} s")

    today = args.today
    future_days = [today + timedelta(days=i) for i in range(1, 366)]
    past_target = max(int(PAST * args.scale), 1000)

    def past_days() -> Iterator[date]:
        day = today
        while True:
            yield day
            day -= timedelta(days=1)

    t0 = clock.perf_counter()
    with _DeferredConstraints(Appointment._meta.db_table):
        n_future = bulk_insert(
            Appointment,
            APPT_COLUMNS,
            appointment_rows(chain, clients, future_days, FUTURE_FILL, _future_status, rng, 10**9),
        )
        n_past = bulk_insert(
            Appointment,
            APPT_COLUMNS,
            appointment_rows(chain, clients, past_days(), 0.97, _past_status, rng, past_target),
        )
        t_copy = clock.perf_counter() - t0
    t_index = clock.perf_counter() - t0 - t_copy
    oldest = (
        Appointment.objects.filter(clinic_id=clinic_id).order_by("start").values_list("start", flat=True)[:1]
    )
    print(
        f"appointments: {n_past:,} past (from {oldest[0]:%Y-%m-%d}) + {n_future:,} future, written in "
        f"{t_copy:.1f} s, indexes/constraints {t_index:.1f} s"
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    elif connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    counts = {
        "locations": len(chain["locations"]),
        "practitioners": len(chain["practitioners"]),
        "rooms": len(chain["rooms"]),
        "devices": len(chain["devices"]),
        "clients": n_clients,
        "past_appointments": n_past,
        "future_appointments": n_future,
    }
    state = {
        "database_url": url,
        "vendor": connection.vendor,
        "scale": args.scale,
        "seed": args.seed,
        "today": today.isoformat(),
        "clinic_id": clinic_id,
        "owner": "owner@bench.test",
        "desk": "desk@bench.test",
        "password": PASSWORD,
        "pen_type_id": chain["pen"].pk,
        "location_ids": [x.pk for x in chain["locations"]],
        "counts": counts,
        "load_seconds": round(clock.perf_counter() - t_all, 1),
    }
    state_file = Path(
        os.environ.get(
            "NP_BENCH_STATE", BENCH_DIR / f"chain-{'pg' if args.db == 'postgres' else 'sqlite'}.json"
        )
    )
    state_file.parent.mkdir(parents=True, exist_ok=True)
    state_file.write_text(json.dumps(state, indent=2))
    print(json.dumps(counts))
    print(f"loaded into {connection.vendor} in {state['load_seconds']} s; state in {state_file}")


if __name__ == "__main__":
    main()
