"""Treatment series: session count, interval windows, per-session dates and touch-ups.

Each area gets a course from its indication (severe acne scars: monthly × 4–6; others 4–6
sessions every 28–42 days; healthy skin every 3–6 months), with the interval raised to the
region's hard floor. Prior sessions count toward the course and the next window starts from
the last one; a finished course continues with maintenance.

Areas whose interval windows overlap share one series (the intersection window); the
partition uses the interval-stabbing greedy, which gives the fewest series. Session windows:
the first is the start date (after deferrals) or ``[last + min, last + max]``; session *k*
is ``[earliest(k-1) + min, latest(k-1) + max]`` — re-plan with ``prior_sessions`` after each
session to narrow them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from . import sides
from .context import Context, ResolvedArea
from .findings import unique
from .limits import INTERVAL_FLOOR_DAYS
from .models import Explanation, SeriesPlan, SessionArea, SessionWindow, TouchUp


@dataclass(slots=True)
class AreaCourse:
    ra: ResolvedArea
    lo: int
    hi: int
    floor: int
    remaining: int
    prior: int
    sessions_min: int
    sessions_max: int
    kind: Literal["course", "maintenance"]
    first_earliest: date
    first_latest: date
    last_prior: date | None
    label: str
    citations: list[str]
    why_start: list[str]


def _days(n: int) -> timedelta:
    return timedelta(days=n)


def area_course(ra: ResolvedArea, ctx: Context, start: date, defer_until: date | None,
                defer_why: list[str]) -> AreaCourse:
    p = ctx.protocol.data
    grade = ra.req.goodman_baron_grade
    course = ra.indication.by_grade.get(grade, ra.indication.course) if grade else (
        ra.indication.course)
    floor = max(p.regions[ra.spec.region].interval_floor_days,
                INTERVAL_FLOOR_DAYS[ra.spec.region])
    # A session on either side counts for the whole area and the reverse: both touched that skin.
    priors = sorted(s.date for s in ctx.request.prior_sessions
                    if any(sides.overlap(code, ra.code) for code in s.areas))
    last = priors[-1] if priors else None
    remaining = course.sessions_max - len(priors)
    lo, hi = course.interval_min_days, course.interval_max_days
    label = course.label or f"every {lo}–{hi} days"
    citations = list(course.citations or ra.indication.citations)
    kind: Literal["course", "maintenance"] = "course"
    if remaining <= 0:
        m = p.series.maintenance[p.series.maintenance_policy]
        lo, hi, label, kind, remaining = m.interval_min_days, m.interval_max_days, m.label, \
            "maintenance", 1
        citations = list(m.citations)
    # Hard floor: whatever the file says, never closer than the region's floor.
    lo = max(lo, floor)
    hi = max(hi, lo)
    why = list(defer_why)
    earliest = start
    if defer_until is not None and defer_until > earliest:
        earliest = defer_until
    if last is not None:
        nxt = last + _days(lo)
        if nxt > earliest:
            earliest = nxt
            why.append(f"{lo} days after the last session on {last.isoformat()}")
        latest = max(last + _days(hi), earliest)
    else:
        latest = earliest
    return AreaCourse(ra, lo, hi, floor, remaining, len(priors), course.sessions_min,
                      course.sessions_max, kind, earliest, latest, last, label, citations, why)


def group_by_window(courses: list[AreaCourse]) -> list[list[AreaCourse]]:
    """Fewest groups whose interval windows share a common day (interval stabbing)."""
    order = sorted(courses, key=lambda c: (c.hi, c.lo, c.ra.index))
    groups: list[list[AreaCourse]] = []
    taken: set[str] = set()
    for c in order:
        if c.ra.code in taken:
            continue
        point = c.hi
        g = [o for o in order if o.ra.code not in taken and o.lo <= point <= o.hi]
        taken.update(o.ra.code for o in g)
        groups.append(sorted(g, key=lambda o: o.ra.index))
    groups.sort(key=lambda g: g[0].ra.index)
    return groups


def _window_text(c: AreaCourse) -> str:
    return f"{c.ra.name.lower()} {c.lo}–{c.hi} days"


def build_series(ctx: Context, courses: list[AreaCourse]) -> tuple[list[SeriesPlan],
                                                                    list[Explanation]]:
    groups = group_by_window(courses)
    plans: list[SeriesPlan] = []
    explanations: list[Explanation] = []
    for n, g in enumerate(groups, start=1):
        sid = f"S{n}"
        lo = max(c.lo for c in g)
        hi = min(c.hi for c in g)
        sessions: list[SessionWindow] = []
        last_number: dict[str, int] = {}
        earliest = max(c.first_earliest for c in g)
        latest = max(earliest, min(c.first_latest for c in g))
        k = 1
        while True:
            members = [c for c in g if c.remaining >= k]
            if not members:
                break
            if k > 1:
                step_lo = max(c.lo for c in members)
                step_hi = min(c.hi for c in members)
                earliest = earliest + _days(step_lo)
                latest = latest + _days(step_hi)
            areas = []
            for c in members:
                course_no = c.prior + k
                areas.append(SessionArea(
                    area=c.ra.code, course_session=course_no, kind=c.kind,
                    optional=c.kind == "course" and course_no > c.sessions_min))
                last_number[c.ra.code] = k
            sessions.append(SessionWindow(number=k, earliest=earliest, latest=latest,
                                          areas=areas))
            k += 1

        touch_ups = _touch_ups(ctx, g, sessions, last_number)
        # Name the shared window after the member that sets it (e.g. "monthly for severe
        # scarring"), else by its days.
        setter = next((c for c in g if (c.lo, c.hi) == (lo, hi)), None)
        label = setter.label if setter else f"every {lo}–{hi} days"
        cites = unique([c for m in g for c in m.citations]
                       + [c for t in touch_ups for c in t.citations])
        text = _explain(ctx, sid, g, lo, hi, sessions, groups, n)
        explanations.append(Explanation(topic="series", text=text, citations=cites))
        plans.append(SeriesPlan(
            id=sid,
            areas=[c.ra.code for c in g],
            interval_min_days=lo,
            interval_max_days=hi,
            interval_label=label,
            sessions_min=max(max(c.sessions_min - c.prior, 1) if c.kind == "course" else 1
                             for c in g),
            sessions_max=len(sessions),
            sessions=sessions,
            touch_ups=touch_ups,
            explanation=text,
            citations=cites,
        ))
    return plans, explanations


def _touch_ups(ctx: Context, g: list[AreaCourse], sessions: list[SessionWindow],
               last_number: dict[str, int]) -> list[TouchUp]:
    p = ctx.protocol.data
    m = p.series.maintenance[p.series.maintenance_policy]
    buckets: dict[tuple[str, int], list[AreaCourse]] = {}
    for c in g:
        kind: str = "recall" if c.kind == "maintenance" else c.ra.indication.touch_up
        buckets.setdefault((kind, last_number[c.ra.code]), []).append(c)
    out = []
    for (kind, k), members in buckets.items():
        last = sessions[k - 1]
        if kind == "recall":
            lo = max(m.interval_min_days, max(c.floor for c in members))
            out.append(TouchUp(
                areas=[c.ra.code for c in members], kind="recall",
                earliest=last.earliest + _days(lo),
                latest=last.latest + _days(max(m.interval_max_days, lo)),
                label=f"maintenance {m.label}", citations=list(m.citations)))
        else:
            lo = max(c.lo for c in members)
            out.append(TouchUp(
                areas=[c.ra.code for c in members], kind="on_request",
                earliest=last.earliest + _days(lo), latest=None,
                label="touch-ups when wanted",
                # The founding article: "then touch-ups when wanted".
                citations=["SEED"]))
    return out


def _explain(ctx: Context, sid: str, g: list[AreaCourse], lo: int, hi: int,
             sessions: list[SessionWindow], groups: list[list[AreaCourse]], n: int) -> str:
    p = ctx.protocol.data
    names = ", ".join(c.ra.name.lower() for c in g)
    parts = [f"Series {sid} ({names}):"]
    if len(g) > 1:
        parts.append(f"one series because their interval windows overlap "
                     f"({'; '.join(_window_text(c) for c in g)} → {lo}–{hi} days).")
    else:
        parts.append(f"interval {lo}–{hi} days ({g[0].label}).")
    if len(groups) > 1:
        others = [o for i, o in enumerate(groups, start=1) if i != n]
        clash = "; ".join(
            f"{', '.join(c.ra.name.lower() for c in o)} needs "
            f"{max(c.lo for c in o)}–{min(c.hi for c in o)} days" for o in others)
        parts.append(f"Kept separate from the other series because the windows do not overlap "
                     f"({clash}).")
    for c in g:
        if c.kind == "maintenance":
            parts.append(f"{c.ra.name}: course complete ({c.prior} sessions), so the next "
                         f"session is maintenance {c.label}.")
        else:
            done = f"; {c.prior} already done" if c.prior else ""
            parts.append(f"{c.ra.name}: {c.sessions_min}–{c.sessions_max} sessions "
                         f"({c.ra.indication.name.lower()}, {c.label}){done}.")
        if c.why_start:
            parts.append(f"{c.ra.name} starts no earlier than {c.first_earliest.isoformat()}"
                         f" ({'; '.join(c.why_start)}).")
    floors = sorted({(c.ra.spec.region, c.floor) for c in g})
    parts.append("Never closer than the hard floor ("
                 + ", ".join(f"{d} days {r}" for r, d in floors) + ").")
    first = sessions[0]
    parts.append(f"Session 1 on or after {first.earliest.isoformat()}; later windows assume "
                 "each session is on its earliest date and widen by the interval — re-plan after "
                 "each session.")
    seed, lit = p.series.maintenance["seed"], p.series.maintenance["literature"]
    parts.append(f"Maintenance follows the {p.series.maintenance_policy} policy: "
                 f"founding article {seed.label} for healthy skin; literature {lit.label} "
                 "(no trial evidence either way; configurable).")
    return " ".join(parts)
