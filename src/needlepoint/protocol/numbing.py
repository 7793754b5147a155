"""Topical anaesthesia: agent, clock times, surface and dose limits, FDA 2009 conditions.

Timing (default 5 % lidocaine): apply at start − 45 min, numb from the start until at least
start + 3 h (the conservative end), up to start + 4 h. The session length is the protocol's
set-up minutes plus each area's needling minutes; a session longer than the conservative end
raises ``numbing_window_short``.

Surface: the areas' surfaces (measured ``surface_cm2`` or the area's typical patch) are summed;
at ``warn_fraction`` of the agent's maximum a warning is raised. Above the maximum the engine
never plans a single application: it splits the areas into appointments that each stay within
the limit (first-fit decreasing), numbs the first group at this appointment and requires the
split (REQUIRE). An area that alone exceeds the limit is not numbed (BLOCK, numbing only).
"""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from .context import Context, ResolvedArea
from .elapsed import after, before
from .findings import built_in, unique
from .limits import OTC_LIDOCAINE_MAX_PERCENT
from .models import Finding, NumbingGroup, NumbingPlan, NumbingStatus, Severity
from .schema import NumbingAgentSpec


def session_minutes(ctx: Context, areas: list[ResolvedArea]) -> int:
    return ctx.protocol.data.series.session_overhead_minutes + sum(
        ra.treatment_minutes for ra in areas)


def _grams(agent: NumbingAgentSpec, surface: int) -> Decimal:
    return (Decimal(surface) / 10 * agent.grams_per_10cm2).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP)


def limit_cm2(agent: NumbingAgentSpec) -> int:
    """The tighter of the agent's area limit and the area its gram limit allows."""
    by_grams = math.floor(agent.max_grams / agent.grams_per_10cm2 * 10)
    return min(agent.max_area_cm2, by_grams)


def split_areas(areas: list[ResolvedArea], limit: int) -> list[list[ResolvedArea]]:
    """First-fit decreasing into groups of at most ``limit`` cm² (oversized areas alone)."""
    bins: list[list[ResolvedArea]] = []
    loads: list[int] = []
    for ra in sorted(areas, key=lambda a: (-a.surface_cm2, a.index)):
        for i, load in enumerate(loads):
            if ra.surface_cm2 <= limit and load + ra.surface_cm2 <= limit:
                bins[i].append(ra)
                loads[i] += ra.surface_cm2
                break
        else:
            bins.append([ra])
            loads.append(ra.surface_cm2)
    for b in bins:
        b.sort(key=lambda a: a.index)
    bins.sort(key=lambda b: b[0].index)
    return bins


def _hm(minutes: Decimal | int) -> str:
    return f"{Decimal(minutes) / 60:.1f}".rstrip("0").rstrip(".") + " h"


def plan_numbing(ctx: Context, areas: list[ResolvedArea], screening: list[Finding]
                 ) -> tuple[NumbingPlan | None, list[Finding]]:
    if not areas:
        return None, []
    p = ctx.protocol
    n = p.data.numbing
    conditions = [" ".join(c.text.split()) for c in n.conditions]
    cond_cites = [c for t in n.conditions for c in t.citations]
    findings: list[Finding] = []
    start = ctx.appointment_start
    total = sum(ra.surface_cm2 for ra in areas)
    minutes = session_minutes(ctx, areas)
    session_end = after(start, timedelta(minutes=minutes)) if start else None
    blocked = [f for f in screening if f.applies_to == "numbing" and f.severity is Severity.BLOCK]

    def unnumbed(status: NumbingStatus, why: str, cites: list[str]) -> NumbingPlan:
        return NumbingPlan(
            status=status,
            agent=None, agent_name=None, areas=[], groups=[], surface_cm2=total,
            grams=Decimal(0), max_area_cm2=None, max_grams=None, application_minutes=None,
            effect_hours_min=None, effect_hours_max=None, session_minutes=minutes,
            session_end=session_end, covers_session=False, occlusion_allowed=False,
            conditions=conditions, explanation=why, citations=unique(cites))

    if ctx.agent is None:
        return unnumbed("declined", "Numbing declined: no topical anaesthetic is planned.",
                        ["SEED"]), findings
    if blocked:
        why = "No topical anaesthetic: " + " ".join(f.reason for f in blocked) + " " + " ".join(
            f.action or "" for f in blocked)
        return unnumbed("blocked", why.strip(), [c for f in blocked for c in f.citations]), \
            findings

    agent, code = ctx.agent, ctx.agent_code
    limit = limit_cm2(agent)
    cites = [*agent.citations, *cond_cites]
    groups = split_areas(areas, limit) if total > limit else [list(areas)]
    group_models = [
        NumbingGroup(areas=[ra.code for ra in g], surface_cm2=sum(ra.surface_cm2 for ra in g),
                     grams=_grams(agent, sum(ra.surface_cm2 for ra in g)),
                     within_limit=sum(ra.surface_cm2 for ra in g) <= limit)
        for g in groups
    ]
    notes: list[str] = []
    status: NumbingStatus = "ok"
    for g, gm in zip(groups, group_models, strict=True):
        if not gm.within_limit:
            ra = g[0]
            findings.append(built_in(
                p, "numbing_area_single_over_limit", Severity.BLOCK, area=ra.code,
                applies_to="numbing", area_name=ra.name.lower(), surface=ra.surface_cm2,
                limit=limit, agent_name=agent.name))
    now = next((g for g, gm in zip(groups, group_models, strict=True) if gm.within_limit), None)
    if len(groups) > 1:
        status = "split"
        described = " / ".join(
            "[" + ", ".join(ra.name.lower() for ra in g) + f"] {gm.surface_cm2} cm²"
            for g, gm in zip(groups, group_models, strict=True) if gm.within_limit)
        findings.append(built_in(
            p, "numbing_area_over_limit", Severity.REQUIRE, applies_to="numbing", total=total,
            limit=limit, agent_name=agent.name, groups=described or "none within the limit"))
        notes.append(f"all areas together ({total} cm²) exceed the {limit} cm² limit, so the "
                     f"plan numbs only the first group at this appointment ({described})")
    if now is None:
        return unnumbed("blocked", "No area can be numbed within the label maximum; "
                        + "; ".join(f.reason for f in findings), cites), findings
    now_surface = sum(ra.surface_cm2 for ra in now)
    if status == "ok" and now_surface >= n.warn_fraction * limit:
        status = "near_limit"
        findings.append(built_in(p, "numbing_area_near_limit", Severity.WARN,
                                 applies_to="numbing", total=now_surface, limit=limit,
                                 agent_name=agent.name))
    minutes = session_minutes(ctx, now)
    effect_min = timedelta(hours=float(agent.effect_hours_min))
    effect_max = timedelta(hours=float(agent.effect_hours_max))
    covers = timedelta(minutes=minutes) <= effect_min
    if not covers:
        findings.append(built_in(p, "numbing_window_short", Severity.WARN, applies_to="numbing",
                                 minutes=minutes, hours=_hm(agent.effect_hours_min * 60),
                                 agent_name=agent.name))
    lidocaine = agent.ingredients.get("lidocaine", Decimal(0))
    if agent.otc and lidocaine > OTC_LIDOCAINE_MAX_PERCENT:
        findings.append(built_in(p, "numbing_otc_strength", Severity.WARN, applies_to="numbing",
                                 agent_name=agent.name, percent=lidocaine.normalize()))
    if agent.compounded:
        findings.append(built_in(p, "numbing_compounded", Severity.REQUIRE, applies_to="numbing",
                                 agent_name=agent.name))

    apply_at = ready_at = until = until_max = end = None
    if start is not None:
        apply_at = before(start, timedelta(minutes=agent.application_minutes))
        ready_at = start
        until = after(start, effect_min)
        until_max = after(start, effect_max)
        end = after(start, timedelta(minutes=minutes))
    default = " (clinic default)" if code == n.default_agent else ""
    grams = _grams(agent, now_surface)
    if start is not None and apply_at and until and until_max and end:
        timing = (f"apply at {apply_at:%H:%M}, {agent.application_minutes} min before the "
                  f"{start:%H:%M} start; numb from {start:%H:%M} until at least {until:%H:%M} "
                  f"(up to {until_max:%H:%M}); the session (~{minutes} min) ends about "
                  f"{end:%H:%M}")
    else:
        timing = (f"apply {agent.application_minutes} min before the start; numb for at least "
                  f"{_hm(agent.effect_hours_min * 60)} (up to {_hm(agent.effect_hours_max * 60)})"
                  f"; the session takes about {minutes} min")
    timing += ", inside the window" if covers else ", LONGER than the reliable window"
    text = (f"{agent.name}{default}: {timing}. Surface {now_surface} cm² ≈ {grams} g of the "
            f"{limit} cm² / {agent.max_grams} g maximum"
            + "".join(f"; {x}" for x in notes)
            + ". FDA 2009 advisory: smallest amount over the smallest area, "
            + ("occlusion only as the label allows" if agent.occlusion_allowed else "no occlusion")
            + ", no heat, never on broken skin (areas with open wounds are blocked).")
    plan = NumbingPlan(
        status=status,
        agent=code, agent_name=agent.name, areas=[ra.code for ra in now], groups=group_models,
        surface_cm2=now_surface, grams=grams, max_area_cm2=limit, max_grams=agent.max_grams,
        application_minutes=agent.application_minutes, effect_hours_min=agent.effect_hours_min,
        effect_hours_max=agent.effect_hours_max, session_minutes=minutes, apply_at=apply_at,
        ready_at=ready_at, effective_until=until, effective_until_latest=until_max,
        session_end=end, covers_session=covers, occlusion_allowed=agent.occlusion_allowed,
        conditions=conditions, explanation=text, citations=unique(cites))
    return plan, findings
