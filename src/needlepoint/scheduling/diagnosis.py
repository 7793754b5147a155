"""Why no series could be found: structured reasons per session plus a readable summary.

The diagnosis propagates feasible dates forward through the sessions, ignoring the
same-practitioner rule: session 1 can be on the days of its window that have any free slot;
session ``i`` on the days of its window, reachable by a gap from a feasible day of session
``i-1``, that have a free slot. The first session whose set is empty is the culprit, and each of
its candidate days is classified by the first thing missing (nobody working, practitioners
booked, rooms full, devices busy, client busy). If every session has days, the obstacle is the
combination: the hard same-practitioner rule, the client's own commitments, or the step budget.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Protocol

from needlepoint.scheduling.availability import Availability, Candidate, TypeInfo, iter_bits
from needlepoint.scheduling.explain import Explanation, Reason, ReasonCode, format_days, summarise
from needlepoint.scheduling.series import SearchLimits, SeriesRequest

_DAY = timedelta(days=1)
_MAX_NAMED = 5  # practitioners named in a same-practitioner summary


class SeriesSearch(Protocol):
    """What the diagnosis reads of a failed search.SeriesSearch (which calls it; typed here so
    this module does not import search back)."""

    @property
    def av(self) -> Availability: ...
    @property
    def request(self) -> SeriesRequest: ...
    @property
    def limits(self) -> SearchLimits: ...
    @property
    def n(self) -> int: ...
    @property
    def infos(self) -> list[TypeInfo]: ...
    @property
    def locations(self) -> list[str]: ...
    @property
    def allowed(self) -> frozenset[str] | None: ...
    @property
    def hard(self) -> bool: ...
    @property
    def gaps(self) -> list[tuple[int, int | None]]: ...
    @property
    def abs_windows(self) -> list[tuple[date, date]]: ...
    def bookable(self, index: int) -> tuple[date, date]: ...
    def client_ok(self, info: TypeInfo, s: int, chosen: Sequence[Candidate] = ()) -> bool: ...


def _day_range(first: date, last: date) -> list[date]:
    out = []
    day = first
    while day <= last:
        out.append(day)
        day += _DAY
    return out


def _reachable(
    previous: list[date], gap: tuple[int, int | None], window: tuple[date, date]
) -> list[date]:
    low, high = window
    min_days, max_days = gap
    days: set[date] = set()
    for day in previous:
        first = max(low, day + timedelta(days=min_days))
        last = high if max_days is None else min(high, day + timedelta(days=max_days))
        days.update(_day_range(first, last))
    return sorted(days)


def _feasible_day(search: SeriesSearch, index: int, day: date, allowed: frozenset[str] | None) -> bool:
    info = search.infos[index]
    for location_id in search.locations:
        grid = search.av.grid(info, location_id, day)
        for k in iter_bits(grid.candidates(allowed)):
            if search.client_ok(info, grid.start(k)):
                return True
    return False


def _propagate(
    search: SeriesSearch, allowed: frozenset[str] | None
) -> tuple[int | None, list[date]]:
    """``(index of the first session with no feasible day, its candidate days)`` or ``(None, [])``."""
    previous: list[date] = []
    for index in range(search.n):
        window = search.abs_windows[index]
        candidates = (
            _day_range(*window) if index == 0
            else _reachable(previous, search.gaps[index], window)
        )
        feasible = [d for d in candidates if _feasible_day(search, index, d, allowed)]
        if not feasible:
            return index, candidates
        previous = feasible
    return None, []


def _classify(
    search: SeriesSearch, index: int, location_id: str, day: date, allowed: frozenset[str] | None
) -> ReasonCode | None:
    """The first missing ingredient at one location on one day (``None`` if a slot exists)."""
    info = search.infos[index]
    grid = search.av.grid(info, location_id, day)
    if grid.closed:
        return ReasonCode.LOCATION_CLOSED
    works = 0
    for practitioner_id, bits in grid.work_masks.items():
        if allowed is None or practitioner_id in allowed:
            works |= bits
    if not works:
        return ReasonCode.PRACTITIONER_NOT_WORKING
    if not works & grid.bounds:
        return ReasonCode.OUTSIDE_BOOKING_WINDOW
    free = grid.practitioners_mask(allowed)
    if not free:
        return ReasonCode.PRACTITIONER_BUSY
    if not free & grid.resources.room_any:
        return ReasonCode.ROOM_BUSY
    possible = free & grid.places
    if not possible:
        return ReasonCode.DEVICE_BUSY
    if not any(search.client_ok(info, grid.start(k)) for k in iter_bits(possible)):
        return ReasonCode.CLIENT_BUSY
    return None


def _describe(code: ReasonCode, where: str, kind_text: str, days: str) -> str:
    return {
        ReasonCode.LOCATION_CLOSED: f"{where} is closed on {days}",
        ReasonCode.PRACTITIONER_NOT_WORKING: f"no qualified practitioner works at {where} on {days}",
        ReasonCode.OUTSIDE_BOOKING_WINDOW: (
            f"the working hours at {where} on {days} fall outside the booking lead time/horizon"
        ),
        ReasonCode.PRACTITIONER_BUSY: f"every qualified practitioner at {where} is fully booked on {days}",
        ReasonCode.ROOM_BUSY: (
            f"room calendar full at {where} whenever a practitioner is free on {days}"
        ),
        ReasonCode.DEVICE_BUSY: (
            f"no {kind_text} free at {where} whenever a practitioner and a room are on {days}"
        ),
        ReasonCode.CLIENT_BUSY: f"the client is busy at every free time at {where} on {days}",
    }[code]


def _session_reasons(
    search: SeriesSearch, index: int, days: list[date], allowed: frozenset[str] | None,
    practitioner_id: str | None = None,
) -> list[Reason]:
    info = search.infos[index]
    kind = info.kind
    session = index + 1
    clinic = search.av.clinic
    reasons: list[Reason] = []
    first, last = (days[0], days[-1]) if days else (None, None)
    kind_text = f"{kind.device_kind} device" + (
        f" reaching {kind.min_depth_mm} mm" if kind.min_depth_mm is not None else ""
    )
    who = f"{clinic.practitioner(practitioner_id).label} " if practitioner_id else ""
    for location_id in search.locations:
        location = clinic.location(location_id)
        where = location.label
        practitioners, rooms, devices = search.av.setup(info, location_id)
        static = None
        if allowed is not None:
            practitioners = [p for p in practitioners if p.id in allowed]
        if not practitioners:
            whom = who or ("allowed " if allowed is not None else "")
            static = (ReasonCode.NO_QUALIFIED_PRACTITIONER,
                      f"no {whom}practitioner is qualified for {kind.name or kind.id} at {where}")
        elif not rooms:
            static = (ReasonCode.NO_SUITABLE_ROOM, f"no room at {where} suits {kind.name or kind.id}")
        elif info.geo.needs_device and not devices:
            static = (ReasonCode.NO_SUITABLE_DEVICE, f"{where} has no {kind_text}")
        if static is not None:
            reasons.append(Reason(session, static[0], f"session {session}: {static[1]}",
                                  location_id, practitioner_id, first, last))
            continue
        grouped: dict[ReasonCode, list[date]] = defaultdict(list)
        for day in days:
            code = _classify(search, index, location_id, day, allowed)
            if code is not None:
                grouped[code].append(day)
        for code, code_days in grouped.items():
            text = _describe(code, where, kind_text, format_days(code_days))
            if practitioner_id:
                text = f"{who.strip()}: {text}"
            reasons.append(Reason(
                session, code, f"session {session}: {text}",
                location_id, practitioner_id, first, last, tuple(code_days),
            ))
    return reasons


def _window_reason(search: SeriesSearch, index: int, previous: list[date]) -> Reason:
    session = index + 1
    spec = search.request.sessions[index]
    low, high = search.abs_windows[index]
    if low > high:  # report the requested window rather than an inverted clipped one
        low, high = spec.window.earliest or low, spec.window.latest or high
    bookable = search.bookable(index)
    if spec.window.latest is not None and spec.window.latest < bookable[0]:
        return Reason(session, ReasonCode.OUTSIDE_BOOKING_WINDOW,
                      f"session {session}: window {spec.window} ends before the earliest bookable "
                      f"date {bookable[0]} (lead time)", first_day=low, last_day=high)
    if spec.window.earliest is not None and spec.window.earliest > bookable[1]:
        return Reason(session, ReasonCode.OUTSIDE_BOOKING_WINDOW,
                      f"session {session}: window {spec.window} starts after the last bookable "
                      f"date {bookable[1]} (booking horizon)", first_day=low, last_day=high)
    if index == 0 or low > high:
        return Reason(session, ReasonCode.EMPTY_WINDOW,
                      f"session {session}: window {spec.window} is empty once the booking limits "
                      f"({bookable[0]} to {bookable[1]}) are applied", first_day=low, last_day=high)
    gap = spec.gap
    if previous and gap is not None:
        # Where the gap alone would put this session, ignoring the booking limits.
        earliest = min(previous) + timedelta(days=gap.min_days)
        if spec.window.earliest is not None:
            earliest = max(earliest, spec.window.earliest)
        if earliest > bookable[1]:
            return Reason(session, ReasonCode.OUTSIDE_BOOKING_WINDOW,
                          f"session {session}: {gap} after session {index} is {earliest} at the "
                          f"earliest, after the last bookable date {bookable[1]} (booking horizon)",
                          first_day=earliest, last_day=None)
    return Reason(
        session, ReasonCode.EMPTY_WINDOW,
        f"session {session}: no date in its window {low} to {high} is {gap} after a possible date "
        f"for session {index} ({format_days(previous)})", first_day=low, last_day=high,
    )


def diagnose(search: SeriesSearch, exhausted: bool) -> Explanation:
    """Explain an unsuccessful :class:`SeriesSearch` (called after it failed)."""
    reasons: list[Reason] = []
    if exhausted:
        reasons.append(Reason(None, ReasonCode.SEARCH_LIMIT,
                              f"the search stopped after {search.limits.max_steps} steps without a "
                              "complete series; widen the windows or raise SearchLimits.max_steps"))
    failed, days = _propagate(search, search.allowed)
    if failed is not None:
        if not days:
            previous = _propagate_prefix(search, failed)
            reasons.append(_window_reason(search, failed, previous))
        else:
            reasons.extend(_session_reasons(search, failed, days, search.allowed))
    elif search.hard:
        reasons.extend(_same_practitioner_reasons(search))
    elif not exhausted:
        reasons.append(Reason(None, ReasonCode.NO_COMBINATION,
                              "each session has free slots on some dates, but no combination avoids "
                              "the client's other commitments and the other sessions"))
    if not reasons:  # pragma: no cover - defensive
        reasons.append(Reason(None, ReasonCode.NO_COMBINATION, "no feasible combination"))
    return Explanation(tuple(reasons), summarise(reasons))


def _propagate_prefix(search: SeriesSearch, upto: int) -> list[date]:
    previous: list[date] = []
    for index in range(upto):
        window = search.abs_windows[index]
        candidates = _day_range(*window) if index == 0 else _reachable(
            previous, search.gaps[index], window
        )
        previous = [d for d in candidates if _feasible_day(search, index, d, search.allowed)]
    return previous


def _same_practitioner_reasons(search: SeriesSearch) -> list[Reason]:
    clinic = search.av.clinic
    candidates = [
        p.id for p in clinic.practitioners.values()
        if (search.allowed is None or p.id in search.allowed)
        and any(p.id in {q.id for q in search.av.setup(search.infos[0], lid)[0]}
                for lid in search.locations)
    ]
    details: list[Reason] = []
    blurbs: list[str] = []
    for practitioner_id in candidates:
        only = frozenset((practitioner_id,))
        failed, days = _propagate(search, only)
        if failed is None:
            continue  # pragma: no cover - the client's commitments defeat this practitioner
        label = clinic.practitioner(practitioner_id).label
        sub = _session_reasons(search, failed, days, only, practitioner_id) if days else []
        codes = sorted({r.code.value.replace("_", " ") for r in sub}) or ["no reachable date"]
        blurbs.append(f"{label} cannot take session {failed + 1} ({', '.join(codes)})")
        details.append(Reason(
            failed + 1, ReasonCode.SAME_PRACTITIONER_UNAVAILABLE,
            f"session {failed + 1}: {label} is not available "
            f"between {days[0] if days else '-'} and {days[-1] if days else '-'}",
            practitioner_id=practitioner_id,
            first_day=days[0] if days else None, last_day=days[-1] if days else None,
        ))
    shown = "; ".join(blurbs[:_MAX_NAMED]) + ("; ..." if len(blurbs) > _MAX_NAMED else "")
    head = Reason(None, ReasonCode.SAME_PRACTITIONER_UNAVAILABLE,
                  f"no single practitioner can take all {search.n} sessions: {shown or 'none qualified'}")
    return [head, *details]
