"""What the staff calendar draws, per location in its zone: appointments in side-by-side lanes
(numbing, treatment and turnover each visible), who works when, what is closed and why, and
month counts. Positions are minutes from the top of the day; the page turns them into pixels."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from needlepoint import scheduling as eng
from needlepoint.clinic.accounts.models import Membership, Role
from needlepoint.clinic.clinics.closures import ClosedPeriod, closed_periods
from needlepoint.clinic.clinics.hours import WEEKDAYS
from needlepoint.clinic.clinics.models import Location

from .engine import load_resources
from .models import Appointment
from .selectors import appointments_between

DAY_START = time(7, 0)
DAY_END = time(21, 0)
SLOT_MINUTES = 15
DAY_MINUTES = (DAY_END.hour - DAY_START.hour) * 60


@dataclass(frozen=True)
class Band:
    """A stretch of the day column, in minutes from DAY_START (clipped to the visible day)."""

    top: int
    height: int
    label: str = ""


@dataclass(frozen=True)
class Block:
    """One appointment: arrival (numbing), treatment, then turnover (cleaning)."""

    appointment: Appointment
    arrival: datetime
    start: datetime
    end: datetime
    busy_end: datetime
    top: int
    height: int
    numbing: int
    cleaning: int
    lane: int = 0
    lanes: int = 1


@dataclass(frozen=True)
class Slot:
    start: str  # UTC ISO instant of the slot's local wall time (the client's arrival)
    label: str  # local HH:MM
    closed: bool


@dataclass(frozen=True)
class DayInfo:
    day: date
    closed: list[Band]  # closures and holidays (all day = the whole column)
    reasons: list[str]
    outside_hours: list[Band]  # before opening and after closing

    @property
    def all_day(self) -> bool:
        return any(b.top == 0 and b.height == DAY_MINUTES for b in self.closed)


@dataclass
class Column:
    practitioner: Membership
    day: date
    blocks: list[Block] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)
    working: list[Band] = field(default_factory=list)
    info: DayInfo | None = None


@dataclass
class CalendarView:
    location: Location
    mode: str
    days: list[date]
    columns: list[Column]
    info: dict[date, DayInfo]
    hours: list[str] = field(default_factory=list)
    height: int = DAY_MINUTES

    def columns_on(self, day: date) -> list[Column]:
        return [c for c in self.columns if c.day == day]


def _minutes(local: datetime, day: date) -> int:
    """Minutes from DAY_START on ``day`` to ``local`` (wall clock; other days clamp)."""
    if local.date() < day:
        return 0
    if local.date() > day:
        return DAY_MINUTES
    return local.hour * 60 + local.minute - DAY_START.hour * 60


def _band(lo: int, hi: int, label: str = "") -> Band | None:
    lo, hi = max(lo, 0), min(hi, DAY_MINUTES)
    return Band(lo, hi - lo, label) if hi > lo else None


def assign_lanes(blocks: list[Block]) -> list[Block]:
    """Overlapping blocks side by side: each cluster of overlaps shares its width between as
    many lanes as it needs at once, and a block takes the first lane free at its top."""
    ordered = sorted(blocks, key=lambda b: (b.top, -b.height, b.appointment.pk))
    out: list[Block] = []
    cluster: list[tuple[Block, int]] = []
    lane_ends: list[int] = []
    cluster_end = -1

    def flush() -> None:
        lanes = max((lane for _, lane in cluster), default=-1) + 1
        out.extend(_with_lane(b, lane, lanes) for b, lane in cluster)

    for block in ordered:
        if block.top >= cluster_end and cluster:
            flush()
            cluster, lane_ends = [], []
        lane = next((i for i, end in enumerate(lane_ends) if end <= block.top), len(lane_ends))
        if lane == len(lane_ends):
            lane_ends.append(0)
        lane_ends[lane] = block.top + block.height
        cluster.append((block, lane))
        cluster_end = max(cluster_end, block.top + block.height)
    if cluster:
        flush()
    return out


def _with_lane(block: Block, lane: int, lanes: int) -> Block:
    return Block(**{**block.__dict__, "lane": lane, "lanes": lanes})


def _block(appt: Appointment, zone: ZoneInfo, day: date) -> Block:
    arrival, start = appt.arrival.astimezone(zone), appt.start.astimezone(zone)
    end, busy_end = appt.end.astimezone(zone), max(appt.busy_end, appt.end).astimezone(zone)
    top = _minutes(arrival, day)
    bottom = max(_minutes(busy_end, day), top + 15)
    return Block(
        appt,
        arrival,
        start,
        end,
        busy_end,
        top=top,
        height=bottom - top,
        numbing=max(_minutes(start, day) - top, 0),
        cleaning=max(bottom - _minutes(end, day), 0),
    )


def _closed_bands(periods: list[ClosedPeriod], day: date) -> list[Band]:
    out = []
    for p in periods:
        if p.day != day:
            continue
        if p.start is None or p.end is None:
            band = _band(0, DAY_MINUTES, p.reason)
        else:
            band = _band(
                p.start.hour * 60 + p.start.minute - DAY_START.hour * 60,
                p.end.hour * 60 + p.end.minute - DAY_START.hour * 60,
                p.reason,
            )
        if band:
            out.append(band)
    return out


def _outside_hours(location: Location, day: date) -> list[Band]:
    """Greyed bands outside the location's opening hours (nothing when none are set)."""
    hours = location.opening_hours if isinstance(location.opening_hours, dict) else {}
    if not hours:
        return []
    try:
        intervals = sorted(
            (time.fromisoformat(a), time.fromisoformat(b))
            for a, b in hours.get(WEEKDAYS[day.weekday()]) or []
        )
    except (TypeError, ValueError):  # a shape this page does not know: shade nothing
        return []
    out, cursor = [], 0
    for a, b in intervals:
        lo = a.hour * 60 + a.minute - DAY_START.hour * 60
        if band := _band(cursor, lo, "Closed"):
            out.append(band)
        cursor = max(cursor, b.hour * 60 + b.minute - DAY_START.hour * 60)
    if band := _band(cursor, DAY_MINUTES, "Closed"):
        out.append(band)
    return out


def _slots(day: date, zone: ZoneInfo, closed: list[Band]) -> list[Slot]:
    out, minutes, utc = [], DAY_START.hour * 60, ZoneInfo("UTC")
    while minutes < DAY_END.hour * 60:
        local = datetime.combine(day, time(minutes // 60, minutes % 60), zone)
        offset = minutes - DAY_START.hour * 60
        shut = any(b.top <= offset < b.top + b.height for b in closed)
        out.append(Slot(local.astimezone(utc).isoformat(), f"{local:%H:%M}", shut))
        minutes += SLOT_MINUTES
    return out


def _practitioners(location: Location) -> list[Membership]:
    return list(
        Membership.objects.for_clinic(location.clinic_id)
        .filter(role=Role.PRACTITIONER, is_active=True, locations=location)
        .select_related("user")
        .order_by("display_name", "user__email")
    )


def calendar(location: Location, day: date, mode: str = "day") -> CalendarView:
    """The day (one column per practitioner) or week (a day per column) at ``location``."""
    zone = ZoneInfo(location.timezone)
    days = (
        [day]
        if mode == "day"
        else [day - timedelta(days=day.weekday()) + timedelta(days=i) for i in range(7)]
    )
    practitioners = _practitioners(location)
    blocks: dict[tuple[date, int], list[Block]] = {}
    for appt in appointments_between(location, days[0], days[-1]):
        local_day = appt.start.astimezone(zone).date()
        blocks.setdefault((local_day, appt.practitioner_id), []).append(_block(appt, zone, local_day))
        if appt.practitioner not in practitioners:
            practitioners.append(appt.practitioner)  # e.g. someone no longer listed here
    periods = closed_periods(location.clinic_id, [location], days[0], days[-1]).get(location.pk, [])
    info = {}
    for d in days:
        closed = _closed_bands(periods, d)
        info[d] = DayInfo(d, closed, sorted({b.label for b in closed}), _outside_hours(location, d))
    snapshot = load_resources(
        location.clinic,
        datetime.combine(days[0], time(0), zone) - timedelta(days=1),
        datetime.combine(days[-1], time(0), zone) + timedelta(days=2),
    )
    columns = []
    for d in days:
        # Only closures stop a click: opening hours are shown, but shifts are what booking obeys.
        shut = info[d].closed
        for p in practitioners:
            columns.append(
                Column(
                    p,
                    d,
                    assign_lanes(blocks.get((d, p.pk), [])),
                    _slots(d, zone, shut) if mode == "day" else [],
                    _working(snapshot.clinic, str(p.pk), str(location.pk), d, zone),
                    info[d],
                )
            )
    hours = [f"{h:02d}:00" for h in range(DAY_START.hour, DAY_END.hour)]
    return CalendarView(location, mode, days, columns, info, hours)


def _working(clinic: eng.Clinic, pid: str, loc: str, day: date, zone: ZoneInfo) -> list[Band]:
    """When the practitioner works there that day (shifts, minus time off and closures)."""
    practitioner = clinic.practitioners.get(pid)
    if practitioner is None or loc not in clinic.locations:
        return []
    out = []
    for a, b in clinic.work_blocks(practitioner, loc, day):
        lo = datetime.fromtimestamp(a, zone)
        hi = datetime.fromtimestamp(b, zone)
        if band := _band(_minutes(lo, day), _minutes(hi, day)):
            out.append(band)
    return out


def _closure_label(p: ClosedPeriod) -> str:
    return p.reason if p.start is None or p.end is None else f"{p.reason} {p.start:%H:%M}–{p.end:%H:%M}"


@dataclass(frozen=True)
class MonthDay:
    day: date
    in_month: bool
    counts: list[tuple[Membership, int]]
    total: int
    closed: list[str]


def month(location: Location, day: date) -> list[list[MonthDay]]:
    """Weeks (Monday first) covering ``day``'s month: appointments per practitioner per day."""
    zone = ZoneInfo(location.timezone)
    first = day.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    grid_start = first - timedelta(days=first.weekday())
    grid_end = last + timedelta(days=6 - last.weekday())
    counts: Counter[tuple[date, int]] = Counter()
    people: dict[int, Membership] = {}
    for appt in appointments_between(location, grid_start, grid_end):
        counts[(appt.start.astimezone(zone).date(), appt.practitioner_id)] += 1
        people[appt.practitioner_id] = appt.practitioner
    periods = closed_periods(location.clinic_id, [location], grid_start, grid_end).get(location.pk, [])
    weeks, d = [], grid_start
    while d <= grid_end:
        week = []
        for _ in range(7):
            per = sorted(
                ((people[pid], n) for (dd, pid), n in counts.items() if dd == d), key=lambda x: x[0].name
            )
            week.append(
                MonthDay(
                    d,
                    d.month == first.month,
                    per,
                    sum(n for _, n in per),
                    sorted({_closure_label(p) for p in periods if p.day == d}),
                )
            )
            d += timedelta(days=1)
        weeks.append(week)
    return weeks
