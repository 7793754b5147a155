"""Moving one session of a booked series and repairing the sessions after it.

The proposal fixes session ``index`` at ``new_start``; the sessions before it are history or
already agreed and never move. Later sessions that still satisfy every rule stay where they are.
A later session that no longer fits is moved *minimally*: fewest days away from its booked date
first (the later date on a tie, which keeps following gaps long enough), then keeping its
practitioner, then closest to its booked local time of day. The repair is a depth-first search
over those orderings with the same dead-end memo as the series search, so if any valid repair
exists one is found (within the step budget).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from needlepoint.scheduling.appointments import Appointment
from needlepoint.scheduling.availability import Availability, Candidate, iter_bits
from needlepoint.scheduling.errors import InvalidConfigurationError
from needlepoint.scheduling.intervals import require_aware
from needlepoint.scheduling.search import BudgetExhaustedError, SeriesSearch
from needlepoint.scheduling.series import SearchLimits, SeriesRequest
from needlepoint.scheduling.validation import (
    Violation,
    check_appointment,
    check_series_rules,
    validate_series,
)
from needlepoint.scheduling.working_hours import local_to_epoch

_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class SessionChange:
    session: int  # 1-based
    before: Appointment
    after: Appointment

    @property
    def shift(self) -> timedelta:
        return self.after.start - self.before.start


@dataclass(frozen=True, slots=True)
class RescheduleResult:
    """``proposed`` is the series with only the requested change; ``violations`` what is wrong
    with it. ``repaired`` is a valid series with the change and minimal moves of later sessions
    (``None`` when impossible, see ``message``); ``changes`` lists every session that differs
    from the booked series in ``repaired``.
    """

    proposed: tuple[Appointment, ...]
    violations: tuple[Violation, ...]
    repaired: tuple[Appointment, ...] | None
    changes: tuple[SessionChange, ...]
    message: str

    @property
    def ok(self) -> bool:
        """The proposal is valid as it stands (nothing else needs to move)."""
        return not self.violations


def _proposal(
    av: Availability, request: SeriesRequest, booked: Sequence[Appointment], index: int,
    new_start: datetime, location_id: str | None, practitioner_id: str | None,
    room_id: str | None, device_id: str | None,
) -> Appointment:
    """The moved session, keeping its resources where they are still free, else the first free."""
    kind = request.type_of(index)
    old = booked[index]
    location = av.clinic.location(location_id or old.location_id)
    same_place = location.id == old.location_id
    hard = request.preferences.hard_same_practitioner
    default_p = booked[0].practitioner_id if hard and index > 0 else old.practitioner_id
    info = av.info(kind)
    practitioners = [practitioner_id] if practitioner_id else [default_p] + [
        p.id for p in av.setup(info, location.id)[0] if p.id != default_p and not hard
    ]
    setup = av.setup(info, location.id)
    rooms = [room_id] if room_id else ([old.room_id] if same_place else []) + setup[1]
    devices: list[str | None] = [None]
    if kind.device_kind is not None:
        devices = [device_id] if device_id else [
            *([old.device_id] if same_place and old.device_id else []), *setup[2]
        ]

    def build(p: str, r: str, d: str | None) -> Appointment:
        return Appointment.build(kind, new_start, location_id=location.id,
                                 timezone=location.timezone, practitioner_id=p, room_id=r,
                                 device_id=d)

    def fits(appt: Appointment, codes: set[str]) -> bool:
        return not any(v.code.value in codes for v in check_appointment(av, kind, appt))

    # Choose each resource independently: the checks for one do not depend on the others.
    chosen_p = next((p for p in practitioners if fits(
        build(p, rooms[0] if rooms else old.room_id, devices[0]),
        {"practitioner_busy", "not_qualified", "outside_working_hours", "unknown_resource"},
    )), practitioners[0])
    chosen_r = next((r for r in rooms if fits(
        build(chosen_p, r, devices[0]), {"room_busy", "unsuitable_room", "unknown_resource"}
    )), rooms[0] if rooms else old.room_id)
    chosen_d = next((d for d in devices if fits(
        build(chosen_p, chosen_r, d), {"device_busy", "unsuitable_device", "unknown_resource"}
    )), devices[0])
    return build(chosen_p, chosen_r, chosen_d)


class _Repair:
    def __init__(self, av: Availability, request: SeriesRequest, booked: Sequence[Appointment],
                 limits: SearchLimits) -> None:
        self.av = av
        self.request = request
        self.booked = booked
        self.search = SeriesSearch(av, request, max_options=0, limits=limits)

    def _keeps(self, chosen: Sequence[Appointment], index: int) -> bool:
        appt = self.booked[index]
        if appt.location_id not in self.search.locations:
            return False
        trial = [*chosen, appt]
        return not check_appointment(self.av, self.request.type_of(index), appt) and not (
            check_series_rules(self.request, trial, index)
        )

    def _moves(self, index: int, prev: Candidate, anchor: str | None,
               chosen: Sequence[Candidate]) -> Iterator[Candidate]:
        search = self.search
        old = self.booked[index]
        old_day = old.day
        old_time = old.local_start.time()
        low, high = search.window(index, prev.day)
        days: list[date] = []
        day = low
        while day <= high:
            days.append(day)
            day += _DAY
        days.sort(key=lambda d: (abs((d - old_day).days), -d.toordinal()))
        allowed = search._allowed(anchor)
        info = search.infos[index]
        order = sorted(search.locations, key=lambda lid: lid != old.location_id)
        for day in days:
            options: list[tuple[bool, int, int, Candidate]] = []
            for location_id in order:
                search.tick()
                grid = self.av.grid(info, location_id, day)
                zone = self.av.clinic.location(location_id).zone
                target = local_to_epoch(day, old_time, zone)
                near = [c for c in chosen if c.day >= day - _DAY]
                for k in iter_bits(grid.candidates(allowed)):
                    s = grid.start(k)
                    if not search.client_ok(info, s, chosen):
                        continue
                    candidate = self.av.assign(info, grid, k, allowed=allowed,
                                               prefer=[old.practitioner_id], taken=near)
                    if candidate is not None:
                        changed = candidate.practitioner_id != old.practitioner_id
                        options.append((changed, abs(s - target), s, candidate))
            options.sort(key=lambda item: item[:3])
            yield from (item[3] for item in options)

    def solve(self, index: int, chosen: list[Candidate], appts: list[Appointment],
              anchor: str | None) -> list[Appointment] | None:
        search = self.search
        if index == search.n:
            return []
        prev = chosen[-1]
        state = search._state(index, prev, anchor, chosen)
        if state in search.failed:
            return None
        if self._keeps(appts, index):
            kept = self.av.candidate_from(self.booked[index], search.infos[index])
            rest = self.solve(index + 1, [*chosen, kept], [*appts, self.booked[index]], anchor)
            if rest is not None:
                return [self.booked[index], *rest]
        dead: set[date] = set()
        for candidate in self._moves(index, prev, anchor, chosen):
            if candidate.day in dead:
                continue
            search.tick()
            appt = self.av.to_appointment(candidate)
            rest = self.solve(index + 1, [*chosen, candidate], [*appts, appt], anchor)
            if rest is not None:
                return [appt, *rest]
            if not search._matters(index, candidate):
                dead.add(candidate.day)
        search.failed.add(state)
        return None


def reschedule(
    av: Availability,
    request: SeriesRequest,
    booked: Sequence[Appointment],
    index: int,
    new_start: datetime,
    *,
    location_id: str | None = None,
    practitioner_id: str | None = None,
    room_id: str | None = None,
    device_id: str | None = None,
    limits: SearchLimits | None = None,
) -> RescheduleResult:
    """Move session ``index`` (0-based) of ``booked`` to ``new_start`` and repair what follows.

    ``av`` must see calendars *without* this series' own bookings (``Scheduler.reschedule``
    takes care of that).
    """
    require_aware(new_start, "new_start")
    booked = tuple(booked)
    if len(booked) != len(request.sessions):
        raise InvalidConfigurationError(
            f"booked series has {len(booked)} appointments, the request {len(request.sessions)}"
        )
    if not 0 <= index < len(booked):
        raise InvalidConfigurationError(f"session index {index} is out of range 0..{len(booked) - 1}")
    moved = _proposal(av, request, booked, index, new_start, location_id, practitioner_id,
                      room_id, device_id)
    proposed = (*booked[:index], moved, *booked[index + 1:])
    violations = tuple(validate_series(av, request, proposed, from_index=index))
    blocking = [v for v in violations if v.session is not None and v.session <= index + 1]
    if not violations:
        only = (SessionChange(index + 1, booked[index], moved),) if moved != booked[index] else ()
        return RescheduleResult(proposed, violations, proposed, only,
                                f"session {index + 1} can move; no other session needs to change")
    if blocking:
        return RescheduleResult(
            proposed, violations, None, (),
            "the new time itself is not possible: " + "; ".join(v.message for v in blocking),
        )
    repair = _Repair(av, request, booked, limits or SearchLimits())
    prefix = list(proposed[: index + 1])
    chosen = [av.candidate_from(a, repair.search.infos[i]) for i, a in enumerate(prefix)]
    anchor = proposed[0].practitioner_id if request.preferences.hard_same_practitioner else None
    try:
        rest = repair.solve(index + 1, chosen, prefix, anchor)
    except BudgetExhaustedError:
        rest = None
    if rest is None:
        limit = " within the step budget" if repair.search.exhausted else ""
        return RescheduleResult(
            proposed, violations, None, (),
            f"no way to move sessions {index + 2}..{len(booked)} to fit the new time{limit}",
        )
    repaired = (*prefix, *rest)
    changes = tuple(
        SessionChange(i + 1, before, after)
        for i, (before, after) in enumerate(zip(booked, repaired, strict=True))
        if before != after
    )
    moved_text = ", ".join(
        f"session {c.session} to {c.after.local_start:%Y-%m-%d %H:%M}"
        for c in changes if c.session != index + 1
    )
    return RescheduleResult(
        proposed, violations, repaired, changes,
        f"session {index + 1} can move if {moved_text or 'nothing else'} moves too",
    )

