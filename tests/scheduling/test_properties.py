"""Property tests: random small clinics and requests against an independent brute force.

The brute force shares no code with the engine beyond the public value types: it expands
working hours with its own wall-clock conversion (a minute-by-minute scan for spring-forward
gaps), enumerates every grid start and every resource combination, and checks each rule
directly against the raw busy intervals.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from needlepoint.scheduling import (
    Appointment,
    AppointmentType,
    BookingPolicy,
    Calendars,
    Clinic,
    DateWindow,
    Device,
    GapWindow,
    Interval,
    Location,
    NumbingPlace,
    Practitioner,
    Preferences,
    Room,
    SamePractitioner,
    Scheduler,
    SeriesRequest,
    SessionSpec,
    TimeOfDay,
    WeeklyShift,
    WorkingPattern,
)

MIN = timedelta(minutes=1)
# NEEDLEPOINT_PROPERTY_EXAMPLES raises the example count for a long local hunt.
SEARCH_EXAMPLES = int(os.environ.get("NEEDLEPOINT_PROPERTY_EXAMPLES", "300"))
SLOT_EXAMPLES = max(1, SEARCH_EXAMPLES // 2)
# Start dates: an ordinary week, and the weeks of both DST changes in each zone (2027).
STARTS = {
    "Europe/London": [date(2027, 6, 7), date(2027, 3, 26), date(2027, 10, 29)],
    "America/New_York": [date(2027, 6, 7), date(2027, 3, 12), date(2027, 11, 5)],
    "Australia/Sydney": [date(2027, 6, 7), date(2027, 4, 2), date(2027, 10, 1)],
}


@dataclass
class World:
    zone: str
    start: date
    now: datetime
    policy: BookingPolicy
    clinic: Clinic
    kind: AppointmentType
    busy: dict[str, dict[str, list[tuple[datetime, datetime]]]]
    request: SeriesRequest
    shifts: dict[tuple[str, str], list[tuple[int, int, int]]] = field(default_factory=dict)

    def calendars(self) -> Calendars:
        return Calendars.from_intervals(
            *({k: [Interval(a, b) for a, b in v] for k, v in self.busy[kind].items()}
              for kind in ("p", "r", "d"))
        )


@st.composite
def worlds(draw: st.DrawFn) -> World:
    zone = draw(st.sampled_from(sorted(STARTS)))
    start = draw(st.sampled_from(STARTS[zone]))
    tz = ZoneInfo(zone)
    locations = ["north", "south"][: draw(st.integers(1, 2))]
    practitioners = []
    shifts: dict[tuple[str, str], list[tuple[int, int, int]]] = {}
    for i in range(draw(st.integers(1, 3))):
        location = draw(st.sampled_from(locations))
        weekly = []
        for weekday in draw(st.sets(st.integers(0, 6), min_size=2, max_size=7)):
            # Mostly daytime, sometimes the small hours (to cross DST gaps and overlaps).
            begin = draw(st.one_of(st.integers(6, 14), st.integers(0, 18)))
            end = min(23, begin + draw(st.integers(3, 10)))
            weekly.append(WeeklyShift(weekday, time(begin), time(end)))
            shifts.setdefault((f"p{i}", location), []).append((weekday, begin, end))
        off: tuple[Interval, ...] = ()
        if draw(st.integers(0, 3)) == 0:
            # Arithmetic in UTC: adding to a zoned datetime would be wall-clock arithmetic.
            a = datetime.combine(start, time(0), tzinfo=tz).astimezone(UTC) + timedelta(
                hours=draw(st.integers(0, 200))
            )
            off = (Interval(a, a + timedelta(hours=draw(st.integers(1, 30)))),)
        practitioners.append(Practitioner(f"p{i}", (WorkingPattern(location, tuple(weekly)),),
                                          time_off=off))
    rooms = [Room(f"{lid}-r{j}", lid) for lid in locations for j in range(draw(st.integers(1, 2)))]
    devices = [
        Device(f"{lid}-d{j}", lid, "pen", draw(st.sampled_from([Decimal(1), Decimal("2.5"), Decimal("2.5")])))
        for lid in locations for j in range(draw(st.sampled_from([0, 1, 1, 2])))
    ]
    clinic = Clinic(locations=[Location(lid, zone) for lid in locations],
                    practitioners=practitioners, rooms=rooms, devices=devices)
    needs_device = draw(st.booleans())
    kind = AppointmentType(
        "t", timedelta(minutes=draw(st.sampled_from([30, 60, 90]))),
        numbing=timedelta(minutes=draw(st.sampled_from([0, 30, 45]))),
        cleaning=timedelta(minutes=draw(st.sampled_from([0, 15]))),
        numbing_place=draw(st.sampled_from(list(NumbingPlace))),
        practitioner_cleans=draw(st.booleans()),
        device_kind="pen" if needs_device else None,
        min_depth_mm=Decimal("1.5") if needs_device else None,
    )
    base = datetime.combine(start, time(0), tzinfo=tz).astimezone(UTC)

    def intervals(n_max: int) -> list[tuple[datetime, datetime]]:
        out = []
        for _ in range(draw(st.integers(0, n_max))):
            a = base + timedelta(minutes=15 * draw(st.integers(0, 4 * 24 * 8)))
            out.append((a, a + timedelta(minutes=15 * draw(st.integers(1, 24)))))
        return out

    busy = {
        "p": {p.id: intervals(4) for p in practitioners},
        "r": {r.id: intervals(3) for r in rooms},
        "d": {d.id: intervals(3) for d in devices},
    }
    now = base - timedelta(hours=draw(st.integers(0, 30)))
    policy = BookingPolicy(
        lead_time=timedelta(hours=draw(st.integers(0, 12))),
        horizon=timedelta(days=draw(st.integers(4, 14))),
        grid=timedelta(minutes=draw(st.sampled_from([30, 60]))),
    )
    count = draw(st.sampled_from([1, 2, 2, 3, 3]))
    first = start + timedelta(days=draw(st.integers(0, 2)))
    specs = [SessionSpec(window=DateWindow(first, first + timedelta(days=draw(st.integers(0, 2)))))]
    for _ in range(count - 1):
        low = draw(st.integers(0, 3))
        gap = GapWindow(low, low + draw(st.integers(0, 2)))
        window = DateWindow()
        if draw(st.integers(0, 2)) == 0:
            w = start + timedelta(days=draw(st.integers(0, 8)))
            window = DateWindow(w, w + timedelta(days=draw(st.integers(0, 3))))
        specs.append(SessionSpec(window=window, gap=gap))
    client_busy: tuple[Interval, ...] = ()
    if draw(st.integers(0, 2)) == 0:
        a = base + timedelta(hours=draw(st.integers(0, 24 * 6)))
        client_busy = (Interval(a, a + timedelta(hours=draw(st.integers(1, 10)))),)
    prefs = Preferences(
        same_practitioner=draw(st.sampled_from(list(SamePractitioner))),
        weekdays=frozenset(draw(st.sets(st.integers(0, 6), max_size=2))),
        time_of_day=draw(st.sampled_from([None, *TimeOfDay])),
        location_id=draw(st.sampled_from([None, *locations])),
    )
    request = SeriesRequest(kind, tuple(specs), preferences=prefs, client_busy=client_busy)
    return World(zone, start, now, policy, clinic, kind, busy, request, shifts)


# -- the independent brute force ----------------------------------------------------------------


def wall_to_utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    naive = datetime.combine(day, at)
    readings = sorted(naive.replace(tzinfo=tz, fold=f).astimezone(UTC) for f in (0, 1))
    real = [r for r in readings if r.astimezone(tz).replace(tzinfo=None) == naive]
    if real:
        return real[0]  # the first occurrence of an ambiguous time
    moment = readings[0]  # before the gap: walk to the first instant with the new offset
    offset = moment.astimezone(tz).utcoffset()
    while moment.astimezone(tz).utcoffset() == offset:
        moment += MIN
    return moment


def working(world: World, pid: str, location: str, day: date) -> list[tuple[datetime, datetime]]:
    tz = ZoneInfo(world.zone)
    blocks = sorted(
        (wall_to_utc(day, time(a), tz), wall_to_utc(day, time(b) if b < 24 else time(23, 59), tz))
        for weekday, a, b in world.shifts.get((pid, location), []) if weekday == day.weekday()
    )
    merged: list[list[datetime]] = []
    for a, b in blocks:
        if b <= a:
            continue
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    out = [(a, b) for a, b in merged]
    for off in world.clinic.practitioners[pid].time_off:
        cut = []
        for a, b in out:
            if off.end <= a or off.start >= b:
                cut.append((a, b))
                continue
            if a < off.start:
                cut.append((a, off.start))
            if off.end < b:
                cut.append((off.end, b))
        out = cut
    return out


def free(world: World, kind: str, rid: str, a: datetime, b: datetime) -> bool:
    return all(not (x < b and a < y) for x, y in world.busy[kind].get(rid, []))


@dataclass(frozen=True)
class Single:
    s: datetime
    day: date
    location: str
    practitioner: str
    room: str
    device: str | None
    arrival: datetime
    end: datetime
    spans: tuple[tuple[str, str, datetime, datetime], ...]


def geometry(kind: AppointmentType) -> tuple[timedelta, timedelta, timedelta, timedelta, timedelta]:
    numbing = kind.numbing
    room_before = numbing if kind.numbing_place is NumbingPlace.ROOM else timedelta(0)
    room_after = kind.duration + kind.cleaning
    p_after = kind.duration + (kind.cleaning if kind.practitioner_cleans else timedelta(0))
    return numbing, room_before, room_after, p_after, kind.duration + kind.cleaning


def singles(world: World, days: Sequence[date]) -> list[Single]:
    """Every feasible single appointment on ``days`` (any location, any resources)."""
    kind = world.kind
    tz = ZoneInfo(world.zone)
    numbing, room_before, room_after, p_after, d_after = geometry(kind)
    step = world.policy.grid
    first_arrival = world.now + world.policy.lead_time
    last_arrival = world.now + world.policy.horizon
    out = []
    for day in days:
        t = wall_to_utc(day, time(0), tz)
        end_of_day = wall_to_utc(day + timedelta(days=1), time(0), tz)
        starts = []
        while t < end_of_day:
            local = t.astimezone(tz)
            if (local.hour * 60 + local.minute) % (step // MIN) == 0 and local.date() == day:
                starts.append(t)
            t += timedelta(minutes=15)
        for s in starts:
            arrival = s - numbing
            if not first_arrival <= arrival <= last_arrival:
                continue
            for location in world.clinic.locations:
                rooms = [r.id for r in world.clinic.rooms.values() if r.location_id == location]
                devices: list[str | None] = [None]
                if kind.device_kind:
                    devices = [d.id for d in world.clinic.devices.values()
                               if d.location_id == location and d.max_depth_mm >= Decimal("1.5")]
                for pid in world.clinic.practitioners:
                    if not any(a <= arrival and s + p_after <= b
                               for a, b in working(world, pid, location, day)):
                        continue
                    if not free(world, "p", pid, s, s + p_after):
                        continue
                    for room in rooms:
                        if not free(world, "r", room, s - room_before, s + room_after):
                            continue
                        for device in devices:
                            if device is not None and not free(world, "d", device, s, s + d_after):
                                continue
                            spans = [("p", pid, s, s + p_after),
                                     ("r", room, s - room_before, s + room_after)]
                            if device is not None:
                                spans.append(("d", device, s, s + d_after))
                            out.append(Single(s, day, location, pid, room, device, arrival,
                                              s + kind.duration, tuple(spans)))
    return sorted(out, key=lambda c: (c.s, c.location, c.practitioner, c.room, c.device or ""))


def fits_after(world: World, index: int, c: Single, chosen: Sequence[Single]) -> bool:
    spec = world.request.sessions[index]
    if not spec.window.contains(c.day):
        return False
    if any(b.start < c.end and c.arrival < b.end for b in world.request.client_busy):
        return False
    if index > 0:
        prev = chosen[-1]
        gap = spec.gap or GapWindow(0)
        if not gap.contains((c.day - prev.day).days) or c.arrival < prev.end:
            return False
        if (world.request.preferences.same_practitioner is SamePractitioner.HARD
                and c.practitioner != chosen[0].practitioner):
            return False
    for other in chosen:
        if other.arrival < c.end and c.arrival < other.end:
            return False
        for k1, r1, a1, b1 in c.spans:
            for k2, r2, a2, b2 in other.spans:
                if k1 == k2 and r1 == r2 and a1 < b2 and a2 < b1:
                    return False
    return True


class TooBig(Exception):
    pass


def brute_force(world: World) -> list[Single] | None:
    """The lexicographically earliest series (by start instants), or None."""
    last = world.start + timedelta(days=20)
    days = [world.start - timedelta(days=1) + timedelta(days=i)
            for i in range((last - world.start).days + 2)]
    by_day: dict[date, list[Single]] = {}
    for single in singles(world, days):
        by_day.setdefault(single.day, []).append(single)
    nodes = 0

    def dfs(index: int, chosen: list[Single]) -> list[Single] | None:
        nonlocal nodes
        if index == len(world.request.sessions):
            return []
        # Every single on every day, in start order (days only narrow the loop, as the gap
        # and window checks in fits_after would reject the others anyway).
        pool = [c for d in sorted(by_day) for c in by_day[d]
                if not chosen or d >= chosen[-1].day]
        for c in pool:
            nodes += 1
            if nodes > 300_000:
                raise TooBig
            if fits_after(world, index, c, chosen):
                rest = dfs(index + 1, [*chosen, c])
                if rest is not None:
                    return [c, *rest]
        return None

    return dfs(0, [])


def check_series(world: World, sessions: Sequence[Appointment]) -> None:
    """Every rule, checked from the raw inputs."""
    tz = ZoneInfo(world.zone)
    numbing, room_before, room_after, p_after, d_after = geometry(world.kind)
    chosen: list[Single] = []
    for index, appt in enumerate(sessions):
        s = appt.start
        day = s.astimezone(tz).date()
        local = s.astimezone(tz)
        assert (local.hour * 60 + local.minute) % (world.policy.grid // MIN) == 0
        assert appt.arrival == s - numbing and appt.end == s + world.kind.duration
        assert appt.room_interval == Interval(s - room_before, s + room_after)
        assert appt.practitioner_interval == Interval(s, s + p_after)
        assert world.now + world.policy.lead_time <= appt.arrival <= world.now + world.policy.horizon
        assert any(a <= appt.arrival and s + p_after <= b
                   for a, b in working(world, appt.practitioner_id, appt.location_id, day))
        assert free(world, "p", appt.practitioner_id, s, s + p_after)
        assert world.clinic.rooms[appt.room_id].location_id == appt.location_id
        assert free(world, "r", appt.room_id, s - room_before, s + room_after)
        if world.kind.device_kind:
            assert appt.device_id is not None
            device = world.clinic.devices[appt.device_id]
            assert device.location_id == appt.location_id
            assert device.max_depth_mm >= Decimal("1.5")
            assert free(world, "d", appt.device_id, s, s + d_after)
        spans = [("p", appt.practitioner_id, s, s + p_after),
                 ("r", appt.room_id, s - room_before, s + room_after)]
        if appt.device_id is not None:
            spans.append(("d", appt.device_id, s, s + d_after))
        single = Single(s, day, appt.location_id, appt.practitioner_id, appt.room_id,
                        appt.device_id, appt.arrival, appt.end, tuple(spans))
        assert fits_after(world, index, single, chosen), f"session {index + 1} breaks a rule"
        chosen.append(single)


@settings(max_examples=SEARCH_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_search_agrees_with_brute_force(world: World) -> None:
    scheduler = Scheduler(world.clinic, world.calendars(), now=world.now, policy=world.policy)
    result = scheduler.search_series(world.request)
    try:
        expected = brute_force(world)
    except TooBig:
        assume(False)
        return
    assert result.complete
    event("no series" if expected is None else f"series of {len(expected)}")
    if expected is None:
        assert not result.found, "the engine found a series the brute force says cannot exist"
        assert result.explanation is not None and result.explanation.reasons
        event(f"reason: {result.explanation.reasons[0].code.value}")
        assert result.explanation.summary.startswith("No series found.")
        return
    assert result.found, "the brute force found a series the engine missed"
    assert result.earliest is not None
    # The first solution found is the earliest: same start instants as the brute force's.
    assert [a.start for a in result.earliest.sessions] == [c.s for c in expected]
    for option in (result.earliest, *result.options):
        check_series(world, option.sessions)
        assert scheduler.validate_series(world.request, option.sessions) == []
    assert [o.rank_key() for o in result.options] == sorted(o.rank_key() for o in result.options)
    assert result.options[0].first_day == result.earliest.first_day
    assert all(0.0 <= o.score <= 1.0 for o in result.options)


@settings(max_examples=SLOT_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_every_slot_found_is_feasible_and_none_is_missed(world: World) -> None:
    from needlepoint.scheduling import SlotQuery

    scheduler = Scheduler(world.clinic, world.calendars(), now=world.now, policy=world.policy)
    days = [world.start + timedelta(days=i) for i in range(4)]
    slots = scheduler.find_slots(SlotQuery(world.kind, days[0], days[-1], limit=None))
    expected = {(c.s, c.location) for c in singles(world, days)}
    assert {(s.start, s.location_id) for s in slots} == expected
    for slot in slots:
        for pid in slot.practitioner_ids:
            check_series_single(world, slot.appointment(practitioner_id=pid))


def check_series_single(world: World, appt: Appointment) -> None:
    one = SeriesRequest(world.kind, (SessionSpec(),))
    check_series(World(world.zone, world.start, world.now, world.policy, world.clinic, world.kind,
                       world.busy, one, world.shifts), [appt])
