"""Series search: depth-first search with memoised dead ends over per-day availability grids.

Why this is exact and fast:

* Sessions interact only through their dates (the gap windows), the practitioner (under a hard
  same-practitioner rule) and, when two sessions can fall on the same or adjacent days, their
  exact times. So "sessions ``i..N`` cannot be completed after a session on day ``d``" is a
  fact about the state ``(i, d, practitioner if hard, nearby sessions)`` and is memoised; every
  state fails at most once, which bounds the search by sessions x days x practitioners.
* Within a day, if a candidate fails and does not appear in its successor's state, every other
  candidate that day fails too, so the search moves to the next day after one try.
* Candidates are generated earliest first (days ascending, then start time), so the first
  complete series found is the earliest one (lexicographically by session start).

Alternatives are found by a second DFS that orders each session's candidates by preference
score (best first, lazily, using optimistic per-day bounds), sharing the memo of dead ends.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence
from datetime import date, timedelta

from needlepoint.scheduling.availability import Availability, Candidate, DayGrid, TypeInfo, iter_bits
from needlepoint.scheduling.diagnosis import diagnose
from needlepoint.scheduling.intervals import from_epoch
from needlepoint.scheduling.preferences import SamePractitioner
from needlepoint.scheduling.series import SearchLimits, SeriesOption, SeriesRequest, SeriesResult
from needlepoint.scheduling.windows import ANY_GAP
from needlepoint.scheduling.working_hours import local_to_epoch

_DAY = timedelta(days=1)

_State = tuple[int, date | None, str | None, tuple[tuple[int, str, str, str | None], ...]]


class BudgetExhaustedError(Exception):
    """Internal: the step budget ran out."""


class SeriesSearch:
    """One search over one request (create a new one per request)."""

    def __init__(
        self,
        availability: Availability,
        request: SeriesRequest,
        *,
        max_options: int = 5,
        limits: SearchLimits | None = None,
    ) -> None:
        self.av = availability
        self.request = request
        self.limits = limits or SearchLimits()
        self.max_options = max_options
        self.prefs = request.preferences
        self.n = len(request.sessions)
        self.infos = [availability.info(request.type_of(i)) for i in range(self.n)]
        clinic = availability.clinic
        if request.location_ids is None:
            self.locations = list(clinic.locations)
        else:
            for location_id in request.location_ids:
                clinic.location(location_id)
            self.locations = [lid for lid in clinic.locations if lid in request.location_ids]
        if request.practitioner_ids is not None:
            for practitioner_id in request.practitioner_ids:
                clinic.practitioner(practitioner_id)
        self.allowed = request.practitioner_ids
        self.hard = self.prefs.hard_same_practitioner
        self.time_range = self.prefs.time_range
        self.client_busy = sorted(iv.epoch() for iv in request.client_busy)
        self.gaps = [
            (g.min_days, g.max_days)
            for g in (spec.gap or ANY_GAP for spec in request.sessions)
        ]
        self.abs_windows = [self._absolute(i) for i in range(self.n)]
        self.failed: set[_State] = set()
        self._layer_cache: dict[bool, list[tuple[float, bool, bool]]] = {}
        self._bounds: dict[tuple[int, str, date, frozenset[str] | None, str | None], float] = {}
        self._solved: dict[tuple[_State, str | None], list[Candidate] | None] = {}
        self._scores_first = self.prefs.practitioner_id is None and (
            self.prefs.same_practitioner is not SamePractitioner.NONE
        )
        self.steps = 0
        self.exhausted = False
        self._work_start = availability.work
        self._budget = self.limits.max_steps

    # -- windows --------------------------------------------------------------------------------

    def bookable(self, index: int) -> tuple[date, date]:
        """Dates on which session ``index`` could start at any allowed location."""
        spans = [self.av.bookable_days(lid, self.infos[index]) for lid in self.locations]
        return min(s[0] for s in spans), max(s[1] for s in spans)

    def _absolute(self, index: int) -> tuple[date, date]:
        first, last = self.bookable(index)
        window = self.request.sessions[index].window
        if window.earliest is not None and window.earliest > first:
            first = window.earliest
        if window.latest is not None and window.latest < last:
            last = window.latest
        return first, last

    def window(self, index: int, prev_day: date | None) -> tuple[date, date]:
        low, high = self.abs_windows[index]
        if index > 0 and prev_day is not None:
            min_days, max_days = self.gaps[index]
            low = max(low, prev_day + timedelta(days=min_days))
            if max_days is not None:
                high = min(high, prev_day + timedelta(days=max_days))
        return low, high

    # -- bookkeeping ------------------------------------------------------------------------------

    def tick(self) -> None:
        """Count one step and stop the search when the budget is spent.

        Work is steps taken here plus the grids built and busy calendars scanned for this
        search (those dominate the cost), so the budget tracks running time closely.
        """
        self.steps += 1
        if self.steps + self.av.work - self._work_start > self._budget:
            self.exhausted = True
            raise BudgetExhaustedError

    @property
    def work(self) -> int:
        return self.steps + self.av.work - self._work_start

    def _state(self, index: int, prev: Candidate | None, anchor: str | None,
               chosen: Sequence[Candidate]) -> _State:
        prev_day = prev.day if prev is not None else None
        low = self.window(index, prev_day)[0] - _DAY
        nearby = tuple(
            (c.s, c.practitioner_id, c.room_id, c.device_id) for c in chosen if c.day >= low
        )
        return (index, prev_day, anchor if self.hard else None, nearby)

    def _matters(self, index: int, candidate: Candidate) -> bool:
        """Could the exact time of ``candidate`` affect the sessions after it?"""
        return self._day_matters(index, candidate.day)

    def _day_matters(self, index: int, day: date) -> bool:
        if index + 1 >= self.n:
            return False
        return day >= self.window(index + 1, day)[0] - _DAY

    def _allowed(self, anchor: str | None) -> frozenset[str] | None:
        if self.hard and anchor is not None:
            return frozenset((anchor,))
        return self.allowed

    def client_ok(self, info: TypeInfo, s: int, chosen: Sequence[Candidate] = ()) -> bool:
        """The client is free for the visit and it comes after the previous session."""
        arrival = s - info.geo.numbing
        end = s + info.geo.duration
        if chosen:
            last = chosen[-1]
            if arrival < last.end:
                return False
            for other in chosen:
                if other.arrival < end and arrival < other.end:
                    return False
        return all(not (b_start < end and arrival < b_end) for b_start, b_end in self.client_busy)

    # -- candidate generation -----------------------------------------------------------------

    def _grid_picks(
        self, index: int, grid: DayGrid, mask: int, allowed: frozenset[str] | None,
        prefer: Sequence[str], chosen: Sequence[Candidate], every: bool,
    ) -> Iterator[Candidate]:
        info = self.infos[index]
        near = [c for c in chosen if c.day >= grid.day - _DAY]
        for k in iter_bits(mask):
            s = grid.s0 + k * grid.step
            if not self.client_ok(info, s, chosen):
                continue
            if every:
                yield from self.av.assignments(info, grid, k, allowed=allowed, prefer=prefer,
                                               taken=near)
                continue
            candidate = self.av.assign(info, grid, k, allowed=allowed, prefer=prefer, taken=near)
            if candidate is not None:
                yield candidate

    def day_picks(
        self, index: int, day: date, allowed: frozenset[str] | None, prefer: Sequence[str],
        chosen: Sequence[Candidate],
    ) -> Iterator[Candidate]:
        """Feasible candidates for session ``index`` on ``day``, earliest start first.

        When the next session could fall on the same or the next day, which resources this one
        holds can decide whether the next fits, so every assignment is offered (that keeps the
        search complete); otherwise one assignment per start time.
        """
        info = self.infos[index]
        every = self._day_matters(index, day)
        streams = []
        for location_id in self.locations:
            self.tick()
            grid = self.av.grid(info, location_id, day)
            mask = grid.candidates(allowed)
            if mask:
                streams.append(
                    self._grid_picks(index, grid, mask, allowed, prefer, chosen, every)
                )
        if len(streams) == 1:
            yield from streams[0]
        elif streams:
            yield from heapq.merge(*streams, key=lambda c: c.s)

    def _prefer(self, index: int, first: str | None) -> list[str]:
        target = self.prefs.practitioner_target(index, first)
        return [target] if target is not None else []

    # -- earliest ---------------------------------------------------------------------------------

    def earliest(self) -> list[Candidate] | None:
        return self._earliest(0, None, None, None, [])

    def _earliest(
        self, index: int, prev: Candidate | None, anchor: str | None, first: str | None,
        chosen: list[Candidate],
    ) -> list[Candidate] | None:
        if index == self.n:
            return []
        state = self._state(index, prev, anchor, chosen)
        if state in self.failed:
            return None
        low, high = self.window(index, prev.day if prev else None)
        allowed = self._allowed(anchor)
        prefer = self._prefer(index, first)
        day = low
        while day <= high:
            excluded: set[str] = set()
            retry = True
            while retry:
                retry = False
                now_allowed = allowed
                if excluded:
                    base = allowed if allowed is not None else frozenset(self.av.clinic.practitioners)
                    now_allowed = base - excluded
                for candidate in self.day_picks(index, day, now_allowed, prefer, chosen):
                    self.tick()
                    chosen.append(candidate)
                    rest = self._earliest(
                        index + 1, candidate,
                        anchor if anchor is not None or not self.hard else candidate.practitioner_id,
                        first if first is not None else candidate.practitioner_id,
                        chosen,
                    )
                    chosen.pop()
                    if rest is not None:
                        return [candidate, *rest]
                    if self._matters(index, candidate):
                        continue
                    if self.hard and anchor is None:
                        # Another practitioner this day leads to a different state: try them.
                        excluded.add(candidate.practitioner_id)
                        retry = True
                    break
            day += _DAY
        self.failed.add(state)
        return None

    # -- preference-ordered alternatives ----------------------------------------------------------

    def _points(self, index: int, candidate: Candidate, first: str | None) -> float:
        zone = self.av.clinic.location(candidate.location_id).zone
        arrival = from_epoch(candidate.arrival).astimezone(zone).time()
        return self.prefs.earned(
            index, day=candidate.day, arrival=arrival, location_id=candidate.location_id,
            practitioner_id=candidate.practitioner_id, first_practitioner=first,
        )

    def _static_points(self, index: int, day: date, location_id: str) -> float:
        w = self.prefs.weights
        points = 0.0
        if self.prefs.weekdays and day.weekday() in self.prefs.weekdays:
            points += w.weekday
        if self.prefs.location_id is not None and location_id == self.prefs.location_id:
            points += w.location
        return points

    def _layers(self, target: str | None) -> list[tuple[float, bool, bool]]:
        """Preference layers ``(points, needs target, needs time of day)``, best first."""
        key = target is not None
        found = self._layer_cache.get(key)
        if found is None:
            found = self._layer_cache[key] = self._make_layers(key)
        return found

    def _make_layers(self, has_target: bool) -> list[tuple[float, bool, bool]]:
        w = self.prefs.weights
        target = True if has_target else None
        layers = [(0.0, False, False)]
        if target is not None:
            layers.append((w.practitioner, True, False))
        if self.time_range is not None:
            layers.append((w.time_of_day, False, True))
            if target is not None:
                layers.append((w.practitioner + w.time_of_day, True, True))
        layers.sort(key=lambda layer: -layer[0])
        return layers

    def _bound(
        self, index: int, location_id: str, day: date, allowed: frozenset[str] | None,
        target: str | None,
    ) -> float:
        """An upper bound on what a candidate at a location on a day can earn, from the
        working hours of the preferred practitioner alone (no grid, no busy calendar)."""
        key = (index, location_id, day, allowed, target)
        found = self._bounds.get(key)
        if found is None:
            found = self._bounds[key] = self._compute_bound(index, location_id, day, allowed, target)
        return found

    def _compute_bound(
        self, index: int, location_id: str, day: date, allowed: frozenset[str] | None,
        target: str | None,
    ) -> float:
        clinic = self.av.clinic
        target_blocks: list[tuple[int, int]] = []
        if target is not None and (allowed is None or target in allowed) and (
            target in self.av.qualified_ids(self.infos[index], location_id)
        ):
            target_blocks = clinic.work_blocks(clinic.practitioners[target], location_id, day)
        time_window = None
        if self.time_range is not None and target_blocks:
            zone = clinic.locations[location_id].zone
            time_window = (local_to_epoch(day, self.time_range.start, zone),
                           local_to_epoch(day, self.time_range.end, zone))
        extra = 0.0
        for points, needs_target, needs_time in self._layers(target):
            if needs_target and not target_blocks:
                continue
            if needs_target and needs_time and time_window is not None and not any(
                a < time_window[1] and time_window[0] < b for a, b in target_blocks
            ):
                continue
            extra = points
            break
        return self._static_points(index, day, location_id) + extra

    def _layer_pick(
        self, index: int, grid: DayGrid, layer: tuple[float, bool, bool],
        allowed: frozenset[str] | None, target: str | None, first: str | None,
        chosen: Sequence[Candidate], excluded: int,
    ) -> tuple[float, Candidate, int] | None:
        """The earliest candidate on one grid meeting one preference layer.

        Cheap rejections come first (the preferred practitioner's own mask, or whether anyone
        works in the preferred hours) so rooms, devices and other practitioners are read only
        when they can matter.
        """
        _, needs_target, needs_time = layer
        info = self.infos[index]
        time_bits = -1
        if needs_time:
            assert self.time_range is not None
            time_bits = self.av.time_mask(info, grid, self.time_range)
        if needs_target:
            if target is None or (allowed is not None and target not in allowed):
                return None
            bits = grid.practitioner(target) & time_bits & ~excluded
            if not bits:
                return None
            bits &= grid.places
            layer_allowed: frozenset[str] | None = frozenset((target,))
        else:
            if not grid.work_any & time_bits & ~excluded:
                return None
            bits = grid.candidates(allowed) & time_bits & ~excluded
            layer_allowed = allowed
        if not bits:
            return None
        prefer = [target] if target is not None else []
        near = [c for c in chosen if c.day >= grid.day - _DAY]
        for k in iter_bits(bits):
            s = grid.s0 + k * grid.step
            if not self.client_ok(info, s, chosen):
                continue
            candidate = self.av.assign(info, grid, k, allowed=layer_allowed, prefer=prefer,
                                       taken=near)
            if candidate is not None:
                return self._points(index, candidate, first), candidate, k
        return None

    def _best_on(
        self, index: int, grid: DayGrid, allowed: frozenset[str] | None, target: str | None,
        first: str | None, chosen: Sequence[Candidate],
    ) -> tuple[float, Candidate, int] | None:
        """The best-scoring candidate on one grid: ``(points, candidate, bit index)``."""
        for layer in self._layers(target):
            found = self._layer_pick(index, grid, layer, allowed, target, first, chosen, 0)
            if found is not None:
                return found
        return None

    def _ranked(
        self, index: int, low: date, high: date, allowed: frozenset[str] | None,
        first: str | None, chosen: Sequence[Candidate], dead: set[date],
    ) -> Iterator[Candidate]:
        """Candidates for a session, best preference score first, then earliest.

        A lazy best-first search over (day, location, preference layer): each day enters a heap
        with an upper bound computed from working hours alone; when it reaches the top, its best
        remaining layer is checked against the busy calendars, and it either yields a candidate
        (with its exact score) or goes back with the next layer's lower bound. Days the caller
        marks ``dead`` are skipped.
        """
        target = self.prefs.practitioner_target(index, first)
        layers = self._layers(target)
        info = self.infos[index]
        # Days enter the heap lazily, in date order: a day not yet added can earn at most
        # ``ceiling``, so once the top of the heap reaches it nothing unseen can beat it.
        w = self.prefs.weights
        ceiling = layers[0][0] + (w.weekday if self.prefs.weekdays else 0.0) + (
            w.location if self.prefs.location_id is not None else 0.0
        )
        # (-bound, day, pending, start, location order, excluded bits, layer index)
        heap: list[tuple[float, date, int, int, int, int, int]] = []
        next_day = low
        ready: dict[tuple[date, int], Candidate] = {}
        while True:
            while next_day <= high and (not heap or -heap[0][0] < ceiling):
                for order, location_id in enumerate(self.locations):
                    bound = self._bound(index, location_id, next_day, allowed, target)
                    heapq.heappush(heap, (-bound, next_day, 1, 0, order, 0, 0))
                next_day += _DAY
            if not heap:
                return
            neg, day, pending, _, order, excluded, layer = heapq.heappop(heap)
            if day in dead:
                continue
            location_id = self.locations[order]
            if pending:
                self.tick()
                grid = self.av.grid(info, location_id, day)
                found = self._layer_pick(
                    index, grid, layers[layer], allowed, target, first, chosen, excluded
                )
                if found is not None:
                    points, candidate, k = found
                    ready[(day, order)] = candidate
                    heapq.heappush(
                        heap, (-points, day, 0, candidate.s, order, excluded | (1 << k), layer)
                    )
                elif layer + 1 < len(layers):
                    lower = self._static_points(index, day, location_id) + layers[layer + 1][0]
                    heapq.heappush(
                        heap, (max(neg, -lower), day, 1, 0, order, excluded, layer + 1)
                    )
                continue
            yield ready[(day, order)]
            # Only reached again if the caller wants more: this day may offer another start.
            heapq.heappush(heap, (neg, day, 1, 0, order, excluded, layer))

    def _best(
        self, index: int, prev: Candidate, anchor: str | None, first: str,
        chosen: list[Candidate],
    ) -> list[Candidate] | None:
        if index == self.n:
            return []
        state = self._state(index, prev, anchor, chosen)
        if state in self.failed:
            return None
        # The best-first completion depends only on the state and whom it scores against
        # (the first practitioner matters only when later sessions are scored against them).
        key = (state, first if self._scores_first else None)
        if key in self._solved:
            return self._solved[key]
        result = self._best_uncached(index, prev, anchor, first, chosen, state)
        self._solved[key] = result
        return result

    def _best_uncached(
        self, index: int, prev: Candidate, anchor: str | None, first: str,
        chosen: list[Candidate], state: _State,
    ) -> list[Candidate] | None:
        low, high = self.window(index, prev.day)
        dead: set[date] = set()
        exhaustive = True
        for candidate in self._ranked(index, low, high, self._allowed(anchor), first, chosen, dead):
            self.tick()
            chosen.append(candidate)
            rest = self._best(index + 1, candidate, anchor, first, chosen)
            chosen.pop()
            if rest is not None:
                return [candidate, *rest]
            if self._matters(index, candidate):
                exhaustive = False  # one assignment per start was tried, not all of them
            else:
                dead.add(candidate.day)
        if exhaustive:  # a proven dead end, shared with every later search of this state
            self.failed.add(state)
        return None

    def _anchors(self, day: date) -> list[Candidate]:
        """First-session candidates on ``day``, one per practitioner, best score first."""
        by_practitioner: dict[str, tuple[float, int, Candidate]] = {}
        info = self.infos[0]
        for location_id in self.locations:
            self.tick()
            grid = self.av.grid(info, location_id, day)
            base = grid.candidates(self.allowed)
            if not base:
                continue
            for practitioner_id, bits in grid.practitioners:
                if not bits & base or (self.allowed is not None
                                       and practitioner_id not in self.allowed):
                    continue
                only = frozenset((practitioner_id,))
                best = self._best_on(0, grid, only, practitioner_id, None, [])
                if best is None:
                    continue
                points, candidate, _ = best
                known = by_practitioner.get(practitioner_id)
                if known is None or (-points, candidate.s) < (-known[0], known[1]):
                    by_practitioner[practitioner_id] = (points, candidate.s, candidate)
        ranked = sorted(by_practitioner.values(), key=lambda item: (-item[0], item[1]))
        anchors = [item[2] for item in ranked[: self.limits.anchors_per_day]]
        wanted = self.prefs.practitioner_id
        if wanted in by_practitioner and all(a.practitioner_id != wanted for a in anchors):
            anchors.insert(0, by_practitioner[wanted][2])
        return anchors

    def _score(self, sessions: Sequence[Candidate]) -> float:
        first = sessions[0].practitioner_id
        attainable = sum(self.prefs.attainable(i) for i in range(len(sessions)))
        if attainable == 0:
            return 1.0
        earned = sum(self._points(i, c, first) for i, c in enumerate(sessions))
        return earned / attainable

    def _option(self, sessions: Sequence[Candidate]) -> SeriesOption:
        return SeriesOption(
            sessions=tuple(self.av.to_appointment(c) for c in sessions),
            score=round(self._score(sessions), 6),
        )

    def alternatives(self, earliest: list[Candidate]) -> list[SeriesOption]:
        """Up to ``max_options`` ranked alternatives, starting from the earliest's first date."""
        chosen: list[SeriesOption] = []
        seen: set[tuple[tuple[int, str, str], ...]] = set()

        def add(pool: list[SeriesOption], sessions: Sequence[Candidate]) -> None:
            key = tuple((c.s, c.practitioner_id, c.location_id) for c in sessions)
            if key not in seen:
                seen.add(key)
                pool.append(self._option(sessions))

        day = earliest[0].day
        last = min(self.window(0, None)[1], day + timedelta(days=self.limits.option_days))
        self._budget = min(self.limits.max_steps, self.work + self.limits.option_steps)
        while day <= last and len(chosen) < self.max_options and not self.exhausted:
            pool: list[SeriesOption] = []
            if day == earliest[0].day:
                add(pool, earliest)
            try:
                for anchor in self._anchors(day):
                    hard_anchor = anchor.practitioner_id if self.hard else None
                    rest = self._best(1, anchor, hard_anchor, anchor.practitioner_id, [anchor])
                    if rest is not None:
                        add(pool, [anchor, *rest])
            except BudgetExhaustedError:
                pass  # keep what this day produced; the loop ends on ``exhausted``
            pool.sort(key=SeriesOption.rank_key)
            chosen.extend(pool[: self.limits.options_per_day])
            day += _DAY
        chosen.sort(key=SeriesOption.rank_key)
        return chosen[: self.max_options]

    # -- entry point --------------------------------------------------------------------------------

    def run(self) -> SeriesResult:
        try:
            found = self.earliest()
        except BudgetExhaustedError:
            found = None
        if found is None:
            exhausted = self.exhausted
            explanation = diagnose(self, exhausted)
            return SeriesResult(
                earliest=None, options=(), explanation=explanation, complete=not exhausted,
                steps=self.work,
            )
        earliest = self._option(found)
        options = self.alternatives(found) if self.max_options > 0 else []
        if not options:
            options = [earliest]
        return SeriesResult(
            earliest=earliest, options=tuple(options), explanation=None,
            complete=True, steps=self.work, options_complete=not self.exhausted,
        )
