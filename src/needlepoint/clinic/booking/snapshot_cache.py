"""Per-thread cache of a clinic's busy calendars and static resources, kept current incrementally.

Building a search's busy calendars (~8 months × every resource of a chain: tens of thousands of
intervals) from SQL cost 10–50× the search itself. Instead each worker thread keeps, per clinic:

* the busy calendars over a loaded range, plus each appointment's intervals by id; before
  every use it reads only the appointments changed since its last look (`updated_at`, indexed
  with the clinic) and carves out / adds their intervals. A full reload happens when a search
  leaves the loaded range and every FULL_RELOAD seconds, which bounds the effect of a write
  whose transaction committed more than SLACK after it stamped `updated_at`;
* the engine's clinic (locations, rooms, devices, practitioners with their shifts), rebuilt only
  when the raw rows it is made from differ (one cheap query per table compares them).

Appointment writes must stamp `updated_at` (save() and bulk_create do; a bare QuerySet.update()
on appointments would only be seen at the next full reload — the booking services use save()).
Staleness can only make a search propose a slot that booking then refuses (the booking
transaction re-checks every resource, and PostgreSQL's exclusion constraints are the last word);
it can never let a double booking through. Inside a transaction the cache is bypassed: it must
hold committed rows only (a rolled-back write would otherwise stay in it).
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.db import connection

from needlepoint import clock
from needlepoint import scheduling as eng

from . import raw_sql
from .models import MAX_BUSY_SPAN, Appointment, AppointmentStatus

SLACK = timedelta(seconds=15)
FULL_RELOAD = 300.0  # seconds
LOAD_AHEAD = timedelta(days=400)  # a first load covers the whole booking horizon

_Row = tuple[int, int, int, int, int, int, int | None, int | None, int | None]
_local = threading.local()


def enabled() -> bool:
    return bool(getattr(settings, "BOOKING_SNAPSHOT_CACHE", True)) and not connection.in_atomic_block


def _epoch(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM {column})::bigint"
    return f"CAST(strftime('%%s', {column}) AS INTEGER)"  # %% survives the driver's paramstyle


#: Each resource an appointment holds and the window it holds it for, in snapshot row order.
RESOURCE_COLUMNS = (
    "practitioner_id",
    "practitioner_start",
    "practitioner_end",
    "room_id",
    "room_start",
    "room_end",
    "device_id",
    "device_start",
    "device_end",
)


def _select(where: str) -> str:
    cols = ", ".join(c if c.endswith("_id") else _epoch(c) for c in RESOURCE_COLUMNS)
    return (
        f"SELECT id, status, {_epoch('busy_start')}, {cols} FROM {Appointment._meta.db_table} "  # noqa: S608
        f"WHERE clinic_id = %s AND {where}"
    )


def _add(calendars: eng.Calendars, row: _Row) -> None:
    p, ps, pe, r, rs, re_, d, ds, de = row
    calendars.practitioners.setdefault(str(p), eng.BusyCalendar()).add_epoch(ps, pe)
    calendars.rooms.setdefault(str(r), eng.BusyCalendar()).add_epoch(rs, re_)
    if d is not None and ds is not None and de is not None:
        calendars.devices.setdefault(str(d), eng.BusyCalendar()).add_epoch(ds, de)


def _remove(calendars: eng.Calendars, row: _Row) -> None:
    # Exact: two active appointments never overlap on one resource (the database refuses it),
    # so carving an interval out of a merged block frees only that appointment's time.
    p, ps, pe, r, rs, re_, d, ds, de = row
    calendars.practitioner(str(p)).remove_epoch(ps, pe)
    calendars.room(str(r)).remove_epoch(rs, re_)
    if d is not None and ds is not None and de is not None:
        calendars.device(str(d)).remove_epoch(ds, de)


@dataclass
class BusyCache:
    clinic_id: int
    lo: datetime
    hi: datetime
    rows: dict[int, _Row] = field(default_factory=dict)
    calendars: eng.Calendars = field(default_factory=eng.Calendars)
    seen: datetime = field(default_factory=clock.now)
    loaded_at: float = field(default_factory=time.monotonic)

    @classmethod
    def load(cls, clinic_id: int, lo: datetime, hi: datetime) -> BusyCache:

        cache = cls(clinic_id, lo, hi, seen=clock.now())
        tables: dict[str, dict[str, list[tuple[int, int]]]] = {
            "p": defaultdict(list),
            "r": defaultdict(list),
            "d": defaultdict(list),
        }
        sql = _select("status <> %s AND busy_start >= %s AND busy_start < %s AND busy_end > %s")
        with connection.cursor() as cursor:
            cursor.execute(
                sql, raw_sql.params([clinic_id, AppointmentStatus.CANCELLED, lo - MAX_BUSY_SPAN, hi, lo])
            )
            for pk, _status, _busy, *rest in cursor.fetchall():
                row = cast(_Row, tuple(rest))
                cache.rows[pk] = row
                p, ps, pe, r, rs, re_, d, ds, de = row
                tables["p"][str(p)].append((ps, pe))
                tables["r"][str(r)].append((rs, re_))
                if d is not None and ds is not None and de is not None:
                    tables["d"][str(d)].append((ds, de))

        def build(table: dict[str, list[tuple[int, int]]]) -> dict[str, eng.BusyCalendar]:
            return {key: eng.BusyCalendar.from_epoch_pairs(pairs) for key, pairs in table.items()}

        cache.calendars = eng.Calendars(build(tables["p"]), build(tables["r"]), build(tables["d"]))
        return cache

    def covers(self, lo: datetime, hi: datetime) -> bool:
        return self.lo <= lo and hi <= self.hi and time.monotonic() - self.loaded_at < FULL_RELOAD

    def refresh(self) -> None:
        """Apply the appointments written since the last look (re-reading SLACK back: applying a
        row twice is harmless, missing one is not)."""

        since, self.seen = self.seen - SLACK, clock.now()
        lo, hi = int((self.lo - MAX_BUSY_SPAN).timestamp()), int(self.hi.timestamp())
        with connection.cursor() as cursor:
            cursor.execute(_select("updated_at >= %s"), raw_sql.params([self.clinic_id, since]))
            changed = cursor.fetchall()
        for pk, status, busy_start, *rest in changed:
            old = self.rows.pop(pk, None)
            if old is not None:
                _remove(self.calendars, old)
            if status != AppointmentStatus.CANCELLED and lo <= busy_start < hi:
                row = cast(_Row, tuple(rest))
                self.rows[pk] = row
                _add(self.calendars, row)


def busy_calendars(clinic_id: int, start: datetime, end: datetime) -> eng.Calendars:
    """The clinic's busy calendars covering [start, end), from this thread's cache. The returned
    calendars may hold more than the window (the engine only asks about the window); treat them
    as read-only."""
    caches: dict[int, BusyCache] = _local.__dict__.setdefault("busy", {})
    cache = caches.get(clinic_id)
    if cache is None or not cache.covers(start, end):
        # Searches start from about now: one load from yesterday covers the whole horizon.
        lo = min(start, clock.now() - timedelta(days=1))
        hi = max(end, lo + LOAD_AHEAD)
        cache = caches[clinic_id] = BusyCache.load(clinic_id, lo, hi)
    else:
        cache.refresh()
    return cache.calendars


def static_part(clinic_id: int, fingerprint: tuple[object, ...], build: Any) -> Any:
    """`build()` unless this thread built it from the same raw rows (`fingerprint`) already."""
    cached: dict[int, tuple[tuple[object, ...], Any]] = _local.__dict__.setdefault("static", {})
    hit = cached.get(clinic_id)
    if hit is not None and hit[0] == fingerprint:
        return hit[1]
    value = build()
    cached[clinic_id] = (fingerprint, value)
    return value


def clear() -> None:
    """Forget this thread's cached clinics (tests; after a restore)."""
    _local.__dict__.clear()
