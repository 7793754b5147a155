"""``build_plan``: client profile + treatment request → a safe, explained :class:`Plan`.

Order: resolve input against the protocol → screening rules → depth per area (device checks)
→ remove BLOCKed areas (each with its reason) → series (after DEFER dates and prior sessions)
→ numbing for the appointment → aftercare → risks → explanations and status.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from .aftercare import plan_aftercare
from .context import Context, ResolvedArea, resolve
from .depth import ROMAN, decide_depth
from .elapsed import after
from .findings import built_in, unique
from .loader import Protocol, default_protocol
from .models import (
    AreaPlan,
    ClientProfile,
    DepthDecision,
    Explanation,
    Finding,
    Plan,
    PlanStatus,
    RemovedArea,
    SeriesPlan,
    Severity,
    TreatmentRequest,
)
from .numbing import plan_numbing, session_minutes
from .risks import plan_risks
from .screening import screen
from .series import area_course, build_series

_ORDER = {Severity.BLOCK: 0, Severity.DEFER: 1, Severity.REQUIRE: 2, Severity.WARN: 3}


def build_plan(
    profile: ClientProfile,
    request: TreatmentRequest,
    protocol: Protocol | None = None,
    *,
    today: date,
    appointment_start: datetime | None = None,
) -> Plan:
    """Plan a course of microneedling.

    ``today`` is the planning date (the caller's local date); ``appointment_start`` is the
    first session's aware start time, used for the numbing clock times and aftercare times.
    Raises :class:`PlanInputError` (or :class:`DepthOverrideError`) naming the input field.
    """
    protocol = protocol or default_protocol()
    ctx = resolve(protocol, profile, request, today, appointment_start)
    findings = screen(ctx)
    explanations: list[Explanation] = [_protocol_note(ctx)]

    decisions: dict[str, DepthDecision | None] = {}
    for ra in ctx.areas:
        decision, extra = decide_depth(ra, ctx)
        decisions[ra.code] = decision
        findings.extend(extra)

    kept, removed = _remove_blocked(ctx, findings, decisions)
    # The first session is the appointment when one is given (in its own time zone).
    start = max(today, request.start_date or today,
                appointment_start.date() if appointment_start else today)
    courses = []
    for ra in kept:
        until, why = _defer_for(ra, findings)
        courses.append(area_course(ra, ctx, start, until, why))
    series, series_expl = build_series(ctx, courses) if courses else ([], [])

    numbing, numbing_findings = plan_numbing(ctx, kept, findings)
    findings.extend(numbing_findings)

    first_earliest: dict[str, date] = {}
    series_of: dict[str, str] = {}
    for s in series:
        for code in s.areas:
            series_of[code] = s.id
            first_earliest[code] = s.sessions[0].earliest
    if appointment_start is not None:
        findings.extend(_appointment_checks(ctx, appointment_start, series))

    area_plans = []
    for ra in kept:
        d = decisions[ra.code]
        assert d is not None
        area_plans.append(AreaPlan(
            area=ra.code, area_name=ra.name, side=ra.side, region=ra.spec.region,
            indication=ra.indication_code, indication_name=ra.indication.name,
            goodman_baron_grade=ra.req.goodman_baron_grade, depth=d,
            surface_cm2=ra.surface_cm2, treatment_minutes=ra.treatment_minutes,
            earliest_start=first_earliest[ra.code], series_id=series_of[ra.code]))

    if numbing is not None and numbing.session_end is not None:
        session_end: datetime | None = numbing.session_end
    elif appointment_start is not None:
        session_end = after(appointment_start, timedelta(minutes=session_minutes(ctx, kept)))
    else:
        session_end = None
    aftercare = plan_aftercare(ctx, kept, session_end)
    risks = plan_risks(ctx)

    findings.sort(key=lambda f: _ORDER[f.severity])
    explanations.extend(_screening_explanations(ctx, findings, removed))
    explanations.extend(Explanation(topic="depth", area=a.area, text=a.depth.explanation,
                                    citations=a.depth.citations) for a in area_plans)
    explanations.extend(series_expl)
    if numbing is not None:
        explanations.append(Explanation(topic="numbing", text=numbing.explanation,
                                        citations=numbing.citations))
    if aftercare:
        explanations.append(Explanation(
            topic="aftercare",
            text="Aftercare follows the founding article (no make-up for at least 24 h, then "
                 "light make-up; no retinol or strong actives for days — 5 days, the "
                 "conservative end of 3–5) with the literature's sun and sweating advice and "
                 "only approved products on fresh skin.",
            citations=unique([c for e in aftercare for c in e.citations])))
    explanations.append(Explanation(
        topic="risks",
        text="Consent lists the founding article's risks (bruising, infection, bleeding, "
             "scarring, pigment problems) plus the literature's additions; risks made more "
             "likely by this client's profile are highlighted.",
        citations=unique([c for r in risks for c in r.citations])))

    return Plan(
        protocol_id=protocol.id,
        protocol_version=protocol.version,
        client_id=profile.client_id,
        planned_on=today,
        status=_status(findings, area_plans),
        findings=findings,
        removed_areas=removed,
        areas=area_plans,
        series=series,
        numbing=numbing,
        aftercare=aftercare,
        risks=risks,
        explanations=explanations,
        earliest_start=min(first_earliest.values()) if first_earliest else None,
        appointment_start=appointment_start,
    )


def _remove_blocked(
    ctx: Context, findings: list[Finding], decisions: dict[str, DepthDecision | None]
) -> tuple[list[ResolvedArea], list[RemovedArea]]:
    blocks = [f for f in findings
              if f.severity is Severity.BLOCK and f.applies_to == "treatment"]
    global_blocks = [f for f in blocks if f.area is None]
    kept: list[ResolvedArea] = []
    removed: list[RemovedArea] = []
    for ra in ctx.areas:
        mine = global_blocks + [f for f in blocks if f.area == ra.code]
        if not mine and decisions[ra.code] is not None:
            kept.append(ra)
            continue
        removed.append(RemovedArea(
            area=ra.code, area_name=ra.name, side=ra.side, indication=ra.indication_code,
            reason=" ".join(f.reason for f in mine),
            finding_codes=unique([f.code for f in mine])))
    return kept, removed


def _defer_for(ra: ResolvedArea, findings: list[Finding]) -> tuple[date | None, list[str]]:
    defers = [f for f in findings if f.severity is Severity.DEFER and f.applies_to == "treatment"
              and f.area in (None, ra.code) and f.until is not None]
    if not defers:
        return None, []
    latest = max(f.until for f in defers if f.until is not None)
    why = [f"{f.code.replace('_', ' ')} until {f.until.isoformat()}" for f in defers
           if f.until is not None]
    return latest, why


def _appointment_checks(ctx: Context, start: datetime, series: list[SeriesPlan]
                        ) -> list[Finding]:
    out = []
    day = start.date()
    for s in series:
        first = s.sessions[0]
        if day < first.earliest:
            names = ", ".join(ctx.protocol.area_name(a).lower() for a in s.areas)
            out.append(built_in(ctx.protocol, "appointment_before_earliest", Severity.DEFER,
                                until=first.earliest, date=day.isoformat(),
                                earliest=first.earliest.isoformat(), areas=names))
    return out


def _protocol_note(ctx: Context) -> Explanation:
    d = ctx.protocol.data
    fitz = ctx.profile.fitzpatrick
    text = (f"Protocol {d.id} {d.version}. {' '.join(d.conservative_policy.text.split())} "
            f"{' '.join(d.depth_table_note.text.split())} "
            f"Skin type {ROMAN[fitz]}: eligible — microneedling is mechanical and uses no heat, "
            "so all skin types can be treated; skin type only ever adds a warning.")
    return Explanation(topic="protocol", text=text,
                       citations=unique([*d.conservative_policy.citations,
                                         *d.depth_table_note.citations, "COHEN2016"]))


def _screening_explanations(ctx: Context, findings: list[Finding], removed: list[RemovedArea]
                            ) -> list[Explanation]:
    out = []
    for r in removed:
        out.append(Explanation(
            topic="screening", area=r.area,
            text=f"{r.area_name} removed from the plan ({', '.join(r.finding_codes)}): {r.reason}",
            citations=unique([c for f in findings if f.code in r.finding_codes
                              and f.area in (None, r.area) for c in f.citations])))
    for f in findings:
        where = ctx.protocol.area_name(f.area) if f.area else "Whole plan"
        extra = ""
        if f.until:
            extra += f" Not before {f.until.isoformat()}."
        if f.action:
            extra += f" Action: {f.action}"
        if f.note:
            extra += f" ({' '.join(f.note.split())})"
        target = " — numbing" if f.applies_to == "numbing" else ""
        out.append(Explanation(topic="screening", area=f.area,
                               text=f"{f.severity.value} · {where}{target}: {f.reason}{extra}",
                               citations=f.citations))
    return out


def _status(findings: list[Finding], areas: list[AreaPlan]) -> PlanStatus:
    if not areas:
        return "blocked"
    sev = {(f.severity, f.applies_to) for f in findings}
    if (Severity.DEFER, "treatment") in sev:
        return "deferred"
    if any(s is Severity.REQUIRE or (s is Severity.BLOCK and t == "numbing") for s, t in sev):
        return "action_required"
    return "ready"
