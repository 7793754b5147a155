"""Adapter between the database and the pure scheduling engine (needlepoint.scheduling).

Loads only what a search needs: the clinic's resources and the busy intervals that intersect the
searched window. Every appointment's busy hull is at most MAX_BUSY_SPAN long (a model
constraint), so `busy_start` in [window start − span, window end) bounds the index range scan:
the cost follows the window, not the number of appointments stored.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection

from needlepoint import scheduling as eng
from needlepoint.clinic.accounts.models import Membership, Role
from needlepoint.clinic.clinics.closures import ClosedPeriod, closed_periods
from needlepoint.clinic.clinics.models import Clinic, Closure, Device, Location, Room

from . import raw_sql, snapshot_cache
from .models import (
    MAX_BUSY_SPAN,
    Appointment,
    AppointmentStatus,
    AppointmentType,
    BookingPolicy,
    ShiftException,
    TimeOff,
    WeeklyShift,
)


def engine_type(t: AppointmentType) -> eng.AppointmentType:
    return eng.AppointmentType(
        id=str(t.pk),
        name=t.name,
        duration=timedelta(minutes=t.duration_minutes),
        numbing=timedelta(minutes=t.numbing_minutes),
        numbing_place=eng.NumbingPlace(t.numbing_place),
        cleaning=timedelta(minutes=t.cleaning_minutes),
        practitioner_cleans=t.practitioner_cleans,
        device_kind=t.device_kind or None,
        min_depth_mm=t.min_depth_mm,
    )


def policy_for(clinic: Clinic) -> BookingPolicy:
    policy, _ = BookingPolicy.objects.get_or_create(clinic=clinic)
    return policy


def engine_policy(policy: BookingPolicy) -> eng.BookingPolicy:
    return eng.BookingPolicy(
        lead_time=timedelta(minutes=policy.lead_time_minutes),
        horizon=timedelta(days=policy.horizon_days),
        grid=timedelta(minutes=policy.slot_step_minutes),
    )


@dataclass
class Snapshot:
    """The engine's view of one clinic over [start, end), plus the rows behind its ids."""

    clinic: eng.Clinic
    calendars: eng.Calendars
    policy: eng.BookingPolicy
    locations: dict[str, Location]
    practitioners: dict[str, Membership]
    rooms: dict[str, Room]
    devices: dict[str, Device]

    def scheduler(self, now: datetime) -> eng.Scheduler:
        return eng.Scheduler(self.clinic, self.calendars, now=now, policy=self.policy)


def load_snapshot(clinic: Clinic, start: datetime, end: datetime) -> Snapshot:
    if not snapshot_cache.enabled():
        return _load_snapshot(clinic, start, end)
    static: Snapshot = snapshot_cache.static_part(
        clinic.pk, _fingerprint(clinic, start, end), lambda: _load_snapshot(clinic, start, end, busy=False)
    )
    return replace(static, calendars=snapshot_cache.busy_calendars(clinic.pk, start, end))


_FINGERPRINT_PARTS: list[tuple[str, type[Any], tuple[str, ...], str]] = [
    (
        "location",
        Location,
        ("id", "name", "timezone", "is_active", "country", "subdivision", "closed_on_public_holidays"),
        "",
    ),
    (
        "closure",
        Closure,
        ("id", "location_id", "first_day", "last_day", "start_time", "end_time", "reason"),
        "",
    ),
    ("room", Room, ("id", "location_id", "name", "is_active"), ""),
    ("device", Device, ("id", "location_id", "kind", "max_depth_mm", "name", "is_active"), ""),
    ("member", Membership, ("id", "role", "is_active", "display_name", "user_id"), ""),
    ("shift", WeeklyShift, ("id", "practitioner_id", "location_id", "weekday", "start", "end"), ""),
    ("exception", ShiftException, ("id", "practitioner_id", "location_id", "date", "start", "end"), "date"),
    ("time_off", TimeOff, ("id", "practitioner_id", "start", "end"), "range"),
    ("policy", BookingPolicy, ("lead_time_minutes", "horizon_days", "slot_step_minutes"), ""),
]
_WIDTH = 7


def load_resources(clinic: Clinic, start: datetime, end: datetime) -> Snapshot:
    """The snapshot without busy calendars: enough to resolve a proposal's ids when booking it
    (the booking re-checks every resource under lock, so it needs no calendars)."""
    if not snapshot_cache.enabled():
        return _load_snapshot(clinic, start, end, busy=False)
    static: Snapshot = snapshot_cache.static_part(
        clinic.pk, _fingerprint(clinic, start, end), lambda: _load_snapshot(clinic, start, end, busy=False)
    )
    return static


def _years(start: datetime, end: datetime) -> tuple[int, int]:
    """Calendar years the window touches in any zone (a day either side of UTC)."""
    return (start - timedelta(days=1)).year, (end + timedelta(days=1)).year


def _fingerprint(clinic: Clinic, start: datetime, end: datetime) -> tuple[object, ...]:
    """The raw rows a snapshot's static part is built from, in one round trip: equal rows,
    equal snapshot. (Eight ORM queries here cost more than the search on a busy server.)"""
    q = connection.ops.quote_name
    branches: list[str] = []
    params: list[object] = []
    for kind, model, columns, window in _FINGERPRINT_PARTS:
        cols = [f"CAST({q(c)} AS TEXT)" for c in columns] + ["''"] * (_WIDTH - len(columns))
        sql = f"SELECT '{kind}', {', '.join(cols)} FROM {model._meta.db_table} WHERE clinic_id = %s"  # noqa: S608
        params.append(clinic.pk)
        if window == "date":
            sql += f" AND {q('date')} >= %s AND {q('date')} <= %s"
            params += [(start - timedelta(days=1)).date(), (end + timedelta(days=1)).date()]
        elif window == "range":
            sql += f" AND {q('start')} < %s AND {q('end')} > %s"
            params += [end, start]
        branches.append(sql)
    # The clinic's locale gives a location without a country its public holidays.
    cols = [f"CAST({q('locale')} AS TEXT)"] + ["''"] * (_WIDTH - 1)
    branches.append(f"SELECT 'clinic', {', '.join(cols)} FROM {Clinic._meta.db_table} WHERE id = %s")  # noqa: S608
    params.append(clinic.pk)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(branches) + " ORDER BY 1, 2", raw_sql.params(params))
        return (*cursor.fetchall(), _years(start, end))


def _load_snapshot(clinic: Clinic, start: datetime, end: datetime, *, busy: bool = True) -> Snapshot:
    locations = {str(loc.pk): loc for loc in Location.objects.for_clinic(clinic).filter(is_active=True)}
    rooms = {
        str(r.pk): r for r in Room.objects.for_clinic(clinic).filter(is_active=True, location__is_active=True)
    }
    devices = {
        str(d.pk): d
        for d in Device.objects.for_clinic(clinic).filter(is_active=True, location__is_active=True)
    }
    practitioners = {
        str(m.pk): m
        for m in Membership.objects.for_clinic(clinic)
        .filter(role=Role.PRACTITIONER, is_active=True)
        .select_related("user")
    }
    engine_clinic = eng.Clinic(
        locations=_engine_locations(clinic, locations, start, end),
        rooms=[eng.Room(id=k, location_id=str(v.location_id), name=v.name) for k, v in rooms.items()],
        devices=[
            eng.Device(
                id=k, location_id=str(v.location_id), kind=v.kind, max_depth_mm=v.max_depth_mm, name=v.name
            )
            for k, v in devices.items()
        ],
        practitioners=_practitioners(clinic, practitioners, set(locations), start, end),
    )
    return Snapshot(
        clinic=engine_clinic,
        calendars=busy_calendars(clinic, start, end) if busy else eng.Calendars(),
        policy=engine_policy(policy_for(clinic)),
        locations=locations,
        practitioners=practitioners,
        rooms=rooms,
        devices=devices,
    )


def _engine_locations(
    clinic: Clinic, locations: dict[str, Location], start: datetime, end: datetime
) -> list[eng.Location]:
    """Locations with their closures and public holidays over the window's whole years (the
    cached static part is keyed by those years): time off for everyone there."""
    first, last = _years(start, end)
    closed = closed_periods(clinic, locations.values(), date(first, 1, 1), date(last, 12, 31))
    out = []
    for key, loc in locations.items():
        periods = closed.get(loc.pk, [])
        out.append(
            eng.Location(
                id=key,
                timezone=loc.timezone,
                name=loc.name,
                closed=frozenset(p.day for p in periods if p.all_day),
                closures=tuple(_engine_closure(p, loc.timezone) for p in periods),
            )
        )
    return out


def _engine_closure(period: ClosedPeriod, zone: str) -> eng.Closure:
    if period.start is None or period.end is None:
        lo = eng.local_to_utc(period.day, time(0), zone)
        hi = eng.local_to_utc(period.day + timedelta(days=1), time(0), zone)
    else:
        lo = eng.local_to_utc(period.day, period.start, zone)
        hi = eng.local_to_utc(period.day, period.end, zone)
    return eng.Closure(eng.Interval(lo, hi), period.reason)


def _practitioners(
    clinic: Clinic, members: dict[str, Membership], location_ids: set[str], start: datetime, end: datetime
) -> list[eng.Practitioner]:
    weekly: dict[tuple[str, str], list[eng.WeeklyShift]] = defaultdict(list)
    for shift in WeeklyShift.objects.for_clinic(clinic).filter(practitioner_id__in=[int(k) for k in members]):
        weekly[(str(shift.practitioner_id), str(shift.location_id))].append(
            eng.WeeklyShift(shift.weekday, shift.start, shift.end)
        )
    extra: dict[tuple[str, str], list[eng.DatedShift]] = defaultdict(list)
    closed: dict[tuple[str, str], set] = defaultdict(set)
    exceptions = ShiftException.objects.for_clinic(clinic).filter(
        date__gte=(start - timedelta(days=1)).date(), date__lte=(end + timedelta(days=1)).date()
    )
    for exc in exceptions:
        key = (str(exc.practitioner_id), str(exc.location_id))
        if exc.start is None or exc.end is None:
            closed[key].add(exc.date)
        else:
            extra[key].append(eng.DatedShift(exc.date, exc.start, exc.end))
    time_off: dict[str, list[eng.Interval]] = defaultdict(list)
    for off in TimeOff.objects.for_clinic(clinic).filter(start__lt=end, end__gt=start):
        time_off[str(off.practitioner_id)].append(eng.Interval(off.start, off.end))

    out = []
    for pid, member in members.items():
        keys = {k for k in (*weekly, *extra) if k[0] == pid and k[1] in location_ids}
        working = tuple(
            eng.WorkingPattern(
                location_id=loc,
                weekly=tuple(weekly.get((pid, loc), ())),
                extra=tuple(extra.get((pid, loc), ())),
                closed=frozenset(closed.get((pid, loc), ())),
            )
            for _, loc in sorted(keys)
        )
        out.append(
            eng.Practitioner(id=pid, working=working, time_off=tuple(time_off.get(pid, ())), name=member.name)
        )
    return out


def _epoch(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM {column})::bigint"
    return f"CAST(strftime('%%s', {column}) AS INTEGER)"  # %% survives the driver's paramstyle


def busy_calendars(clinic: Clinic, start: datetime, end: datetime) -> eng.Calendars:
    """Busy intervals as epoch seconds straight from SQL: a search window holds thousands of
    intervals, and converting each through datetime objects cost more than the search itself."""
    columns = ", ".join(
        [
            "practitioner_id",
            _epoch("practitioner_start"),
            _epoch("practitioner_end"),
            "room_id",
            _epoch("room_start"),
            _epoch("room_end"),
            "device_id",
            _epoch("device_start"),
            _epoch("device_end"),
        ]
    )
    sql = (
        f"SELECT {columns} FROM {Appointment._meta.db_table} "  # noqa: S608 — no user input in the SQL
        "WHERE clinic_id = %s AND status <> %s AND busy_start >= %s AND busy_start < %s AND busy_end > %s"
    )
    params = [clinic.pk, AppointmentStatus.CANCELLED, start - MAX_BUSY_SPAN, end, start]
    practitioners: dict[str, list[tuple[int, int]]] = defaultdict(list)
    rooms: dict[str, list[tuple[int, int]]] = defaultdict(list)
    devices: dict[str, list[tuple[int, int]]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(sql, raw_sql.params(params))
        for p, ps, pe, r, rs, re_, d, ds, de in cursor.fetchall():
            practitioners[str(p)].append((ps, pe))
            rooms[str(r)].append((rs, re_))
            if d is not None:
                devices[str(d)].append((ds, de))

    def build(table: dict[str, list[tuple[int, int]]]) -> dict[str, eng.BusyCalendar]:
        return {key: eng.BusyCalendar.from_epoch_pairs(pairs) for key, pairs in table.items()}

    return eng.Calendars(build(practitioners), build(rooms), build(devices))


def client_busy(
    client_id: int, start: datetime, end: datetime, exclude: Iterable[int] = ()
) -> list[eng.Interval]:
    """The client's own other visits (arrival to end), so a series never double-books them."""
    rows = (
        Appointment.objects.active()
        .filter(client_id=client_id, busy_start__gte=start - MAX_BUSY_SPAN, busy_start__lt=end)
        .exclude(pk__in=list(exclude))
        .values_list("arrival", "end")
    )
    return [eng.Interval(a, e) for a, e in rows]


def engine_appointment(appt: Appointment) -> eng.Appointment:
    return eng.Appointment.build(
        engine_type(appt.appointment_type),
        appt.start,
        location_id=str(appt.location_id),
        timezone=appt.location.timezone,
        practitioner_id=str(appt.practitioner_id),
        room_id=str(appt.room_id),
        device_id=str(appt.device_id) if appt.device_id else None,
    )
