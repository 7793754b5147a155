"""Screening: evaluate the protocol's contraindication rules against a client and request.

Rule semantics (see ``schema.RuleWhen``): every criterion given must match; list criteria
match any element. Area criteria (skin states, indications, areas, regions) are tested per
requested area: an ``area`` rule yields one finding per matching area, a ``global`` rule one
finding if any area matches (or always, when it has no area criteria).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from .context import Context, ResolvedArea, medication_is_current
from .models import AreaState, Finding, Medication, Severity
from .schema import DeferPeriod, RuleSpec, RuleWhen


def add_months(d: date, months: int) -> date:
    """Calendar months later, clamped to the month's last day (31 Aug + 6 → 28/29 Feb)."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def add_period(d: date, period: DeferPeriod) -> date:
    if period.months is not None:
        return add_months(d, period.months)
    return d + timedelta(days=period.days or 0)


def _has_area_criteria(w: RuleWhen) -> bool:
    return bool(w.skin_states or w.indications or w.areas or w.regions)


def _matching_meds(w: RuleWhen, meds: Iterable[Medication], today: date) -> list[Medication]:
    out = []
    for m in meds:
        if m.code not in w.medications:
            continue
        current = medication_is_current(m, today)
        if w.stopped_within_days is not None:
            ok = current or (
                m.stopped_on is not None and (today - m.stopped_on).days <= w.stopped_within_days
            )
        elif w.medication_status == "current":
            ok = current
        elif w.medication_status == "stopped":
            ok = not current
        else:
            ok = True
        if ok:
            out.append(m)
    return out


def global_match(w: RuleWhen, ctx: Context) -> tuple[bool, list[Medication]]:
    """Client-, device- and agent-level criteria; returns the medications that matched."""
    if w.conditions and ctx.conditions.isdisjoint(w.conditions):
        return False, []
    fitz = ctx.profile.fitzpatrick
    if w.fitzpatrick_min is not None and fitz < w.fitzpatrick_min:
        return False, []
    if w.fitzpatrick_max is not None and fitz > w.fitzpatrick_max:
        return False, []
    if w.age_below is not None and (ctx.age is None or ctx.age >= w.age_below):
        return False, []
    if w.device_kinds and ctx.request.device.kind.value not in w.device_kinds:
        return False, []
    if w.agent_ingredients and (
        ctx.agent is None or not any(i in ctx.agent.ingredients for i in w.agent_ingredients)
    ):
        return False, []
    meds: list[Medication] = []
    if w.medications:
        meds = _matching_meds(w, ctx.profile.medications, ctx.today)
        if not meds:
            return False, []
    return True, meds


def area_match(w: RuleWhen, ra: ResolvedArea) -> tuple[bool, AreaState | None]:
    """Area-level criteria; returns the skin state that matched (for DEFER anchors)."""
    if w.areas and ra.base not in w.areas and ra.code not in w.areas:
        return False, None
    if w.regions and ra.spec.region not in w.regions:
        return False, None
    if w.indications and ra.indication_code not in w.indications:
        return False, None
    state = None
    if w.skin_states:
        matching = [s for s in ra.states if s.code in w.skin_states]
        if not matching:
            return False, None
        # Latest onset gives the latest (most conservative) end of a deferral.
        state = max(matching, key=lambda s: s.since or date.min)
    return True, state


def matches_any(w: RuleWhen, ctx: Context) -> bool:
    ok, _ = global_match(w, ctx)
    if not ok:
        return False
    if not _has_area_criteria(w):
        return True
    return any(area_match(w, ra)[0] for ra in ctx.areas)


def _until(rule: RuleSpec, ctx: Context, meds: list[Medication],
           states: list[AreaState | None]) -> date | None:
    """End of a deferral, or None when it has already passed."""
    assert rule.defer is not None
    today = ctx.today
    stopped = [m.stopped_on for m in meds if m.stopped_on is not None and m.stopped_on <= today]
    if stopped:
        until = add_period(max(stopped), rule.defer)
        return until if until > today else None
    anchored = [s for s in states if s is not None]
    if anchored:
        # The state is present now, so the wait lasts at least until tomorrow.
        until = max(add_period(s.since or today, rule.defer) for s in anchored)
        return max(until, today + timedelta(days=1))
    return add_period(today, rule.defer)


def _finding(code: str, rule: RuleSpec, area: str | None, until: date | None) -> Finding:
    return Finding(
        code=code,
        severity=Severity(rule.action),
        applies_to=rule.applies_to,
        area=area,
        reason=rule.reason.strip(),
        citations=list(rule.citations),
        until=until,
        action=rule.require_action,
        note=rule.note,
    )


def screen(ctx: Context) -> list[Finding]:
    """All findings of the protocol's rules, in protocol order."""
    findings: list[Finding] = []
    for code, rule in ctx.protocol.data.rules.items():
        w = rule.when
        ok, meds = global_match(w, ctx)
        if not ok:
            continue
        has_area = _has_area_criteria(w)
        hits: list[tuple[ResolvedArea, AreaState | None]] = []
        for ra in ctx.areas:
            hit, state = area_match(w, ra) if has_area else (True, None)
            if hit:
                hits.append((ra, state))
        if rule.scope == "area":
            for ra, state in hits:
                until = _until(rule, ctx, meds, [state]) if rule.action == "DEFER" else None
                if rule.action == "DEFER" and until is None:
                    continue
                findings.append(_finding(code, rule, ra.code, until))
        else:
            if has_area and not hits:
                continue
            until = None
            if rule.action == "DEFER":
                until = _until(rule, ctx, meds, [s for _, s in hits])
                if until is None:
                    continue
            findings.append(_finding(code, rule, None, until))
    return findings
