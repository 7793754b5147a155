"""Plan workflow: draft from an intake → revise (areas, depths, series, price) → acknowledge
findings → confirm; later supersede or cancel. Every step re-runs the protocol engine, so the
stored findings are always those of the plan as it stands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction

from needlepoint.clinic.clinics.models import Device as DeviceRow
from needlepoint.clinic.errors import InvalidInput
from needlepoint.clinic.intake.models import Intake
from needlepoint.clinic.permissions import Action, Actor, require_staff
from needlepoint.protocol import INTERVAL_FLOOR_DAYS, Plan, default_protocol, sides

from .engine import AreaChoice, ChoiceError, EngineSettings, run_engine
from .models import PlanArea, PlanFinding, PlanStatus, TreatmentPlan

#: Default width of the first-session booking window when the engine gives a single day.
FIRST_WINDOW_DAYS = 28
#: The booking app's Series allows at most this many sessions.
MAX_SESSIONS = 12


class PlanError(InvalidInput, ValueError):
    """A plan change or confirmation is refused; ``errors`` (= ``fields``) are keyed by form field."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(fields=errors)

    @property
    def errors(self) -> dict[str, list[str]]:
        return self.fields

    @classmethod
    def one(cls, key: str, message: str) -> PlanError:
        return cls({key: [message]})


@dataclass(frozen=True)
class Schedule:
    sessions: int
    gap_min_days: int
    gap_max_days: int
    first_earliest: date
    first_latest: date
    reason: str = ""


def engine_settings(plan: TreatmentPlan) -> EngineSettings:
    return EngineSettings(
        device_kind=plan.device_kind,
        device_max_mm=plan.device_max_mm,
        numbing=plan.numbing,
        numbing_agent=plan.numbing_agent,
        start_date=plan.start_date,
    )


def choices_of(plan: TreatmentPlan) -> list[AreaChoice]:
    return [
        AreaChoice(
            area=a.area,
            indication=a.indication,
            goodman_baron_grade=a.goodman_baron_grade,
            depth_mm=a.depth_mm,
            reason=a.override_reason,
        )
        for a in plan.areas.order_by("position")
    ]


def intake_choices(intake: Intake) -> list[AreaChoice]:
    return [
        AreaChoice(
            area=a["area"], indication=a["indication"], goodman_baron_grade=a.get("goodman_baron_grade")
        )
        for a in intake.areas
    ]


def _blocked_areas(result: Plan, choices: list[AreaChoice]) -> dict[str, str]:
    """Areas the practitioner asked for that the engine took out, with the reason."""
    wanted = {c.area for c in choices}
    return {
        r.area: f"{r.area_name} cannot be planned: {r.reason}"
        for r in result.removed_areas
        if r.area in wanted
    }


def _store(plan: TreatmentPlan, result: Plan, choices: list[AreaChoice]) -> None:
    """Replace the plan's areas with the engine's and sync its findings: an unchanged finding
    keeps its row (and so its id and acknowledgement), new ones are added, vanished ones go."""
    plan.engine_plan = result.model_dump(mode="json")
    plan.engine_status = result.status
    plan.protocol_id, plan.protocol_version = result.protocol_id, result.protocol_version
    plan.planned_on = result.planned_on
    plan.save()
    plan.areas.all().delete()
    reasons = {c.area: c.reason.strip() for c in choices}
    for i, a in enumerate(result.areas):
        PlanArea.objects.create(
            clinic_id=plan.clinic_id,
            plan=plan,
            position=i,
            area=a.area,
            area_name=a.area_name,
            indication=a.indication,
            indication_name=a.indication_name,
            goodman_baron_grade=a.goodman_baron_grade,
            recommended_mm=a.depth.recommended_mm,
            depth_mm=a.depth.chosen_mm,
            cap_mm=a.depth.cap_mm,
            override_reason=reasons.get(a.area, "") if a.depth.chosen_mm != a.depth.recommended_mm else "",
        )
    existing = {f.identity(): f for f in plan.findings.all()}
    protocol = default_protocol()
    for f in result.findings:
        row = PlanFinding(
            clinic_id=plan.clinic_id,
            plan=plan,
            code=f.code,
            severity=f.severity.value,
            applies_to=f.applies_to,
            area=f.area or "",
            area_name=protocol.area_name(f.area) if f.area else "",
            reason=" ".join(f.reason.split()),
            action=" ".join((f.action or "").split()),
            note=" ".join((f.note or "").split()),
            until=f.until,
            citations=list(f.citations),
        )
        old = existing.pop(row.identity(), None)
        if old is not None:
            if (old.action, old.note, old.until, old.citations) != (
                row.action,
                row.note,
                row.until,
                row.citations,
            ):
                old.action, old.note, old.until, old.citations = (
                    row.action,
                    row.note,
                    row.until,
                    row.citations,
                )
                old.save()
        else:
            row.save()
    for gone in existing.values():
        gone.delete()


def _default_schedule(plan: TreatmentPlan, result: Plan) -> None:
    if len(result.series) != 1:
        plan.sessions = plan.gap_min_days = plan.gap_max_days = None
        plan.first_earliest = plan.first_latest = None
        return
    s = result.series[0]
    plan.sessions = min(s.sessions_min, MAX_SESSIONS)
    plan.gap_min_days, plan.gap_max_days = s.interval_min_days, s.interval_max_days
    plan.first_earliest = s.sessions[0].earliest
    plan.first_latest = max(s.sessions[0].latest, s.sessions[0].earliest + timedelta(days=FIRST_WINDOW_DAYS))
    plan.schedule_reason = ""


@transaction.atomic
def draft_plan(
    intake: Intake,
    *,
    device: DeviceRow,
    actor: Actor,
    today: date,
    start_date: date | None = None,
    numbing: bool = True,
    numbing_agent: str = "",
    supersedes: TreatmentPlan | None = None,
) -> TreatmentPlan:
    """A draft plan with the engine's proposal for every area of the intake (blocked areas are
    listed among the findings, not planned)."""
    who = require_staff(actor, Action.DRAFT_PLAN, intake, objs=(supersedes,))
    if device.clinic_id != intake.clinic_id:
        raise PlanError.one("device", "Choose one of this clinic's devices.")
    protocol = default_protocol()
    settings = EngineSettings.for_device(
        device, numbing=numbing, numbing_agent=numbing_agent, start_date=start_date
    )
    choices = intake_choices(intake)
    if supersedes is not None:
        # A revision keeps the previous plan's depth choices where the area is still asked for.
        previous = {c.area: c for c in choices_of(supersedes)}
        choices = [
            previous.get(c.area, c) if previous.get(c.area, c).indication == c.indication else c
            for c in choices
        ]
    try:
        result = run_engine(intake, choices, settings, protocol, today=today)
    except ChoiceError:
        # The previous plan's overrides may no longer fit (new device): start from the proposal.
        choices = intake_choices(intake)
        result = run_engine(intake, choices, settings, protocol, today=today)
    plan = TreatmentPlan(
        clinic_id=intake.clinic_id,
        client_id=intake.client_id,
        intake=intake,
        supersedes=supersedes,
        device=device,
        device_kind=device.kind,
        device_max_mm=device.max_depth_mm,
        numbing=numbing,
        numbing_agent=numbing_agent,
        start_date=start_date,
        planned_on=today,
        created_by=who,
        currency=intake.clinic.currency,
    )
    _default_schedule(plan, result)
    _store(plan, result, choices)
    _default_price(plan)
    return plan


def _default_price(plan: TreatmentPlan) -> None:
    """Keep the stored price equal to the quote's total (pricing's one price function)."""
    from needlepoint.clinic.pricing.services import price_of_plan

    priced = price_of_plan(plan)
    plan.price = priced.amount if priced is not None else None
    plan.currency = priced.currency if priced is not None else plan.clinic.currency
    plan.save(update_fields=["price", "currency", "updated_at"])


def check_schedule(plan: TreatmentPlan, result: Plan, schedule: Schedule) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(key: str, msg: str) -> None:
        errors.setdefault(key, []).append(msg)

    if len(result.series) > 1:
        groups = "; ".join(f"{', '.join(s.areas)} ({s.interval_label})" for s in result.series)
        add(
            "__all__",
            f"These areas need different intervals and cannot share one series: {groups}. "
            "Leave some out and plan them separately.",
        )
        return errors
    if not result.series:
        return errors
    s = result.series[0]
    regions = {a.region for a in result.areas}
    floor = max(INTERVAL_FLOOR_DAYS[r] for r in regions)
    if not 1 <= schedule.sessions <= MAX_SESSIONS:
        add("sessions", f"Between 1 and {MAX_SESSIONS} sessions.")
    if schedule.gap_min_days < floor:
        add("gap_min_days", f"Never less than {floor} days between sessions (hard floor for these areas).")
    if schedule.gap_max_days < schedule.gap_min_days:
        add("gap_max_days", "The longest gap cannot be shorter than the shortest.")
    first = s.sessions[0].earliest
    if schedule.first_earliest < first:
        add(
            "first_earliest",
            f"Not before {first:%d %b %Y}: that is the earliest the protocol allows "
            "(deferrals and previous sessions).",
        )
    if schedule.first_latest < schedule.first_earliest:
        add("first_latest", "The first session's latest date cannot be before its earliest date.")
    differs = (
        not s.sessions_min <= schedule.sessions <= s.sessions_max
        or schedule.gap_min_days < s.interval_min_days
        or schedule.gap_max_days > s.interval_max_days
    )
    if differs and not schedule.reason.strip():
        add(
            "schedule_reason",
            f"Give a reason: the protocol recommends {s.sessions_min}–{s.sessions_max} "
            f"sessions {s.interval_min_days}–{s.interval_max_days} days apart.",
        )
    return errors


@transaction.atomic
def revise_plan(
    plan: TreatmentPlan,
    choices: list[AreaChoice],
    schedule: Schedule | None,
    *,
    actor: Actor,
    today: date,
    price: Decimal | None = None,
    notes: str | None = None,
) -> TreatmentPlan:
    """Apply the practitioner's areas, depths, series and price; nothing is saved on error."""
    require_staff(actor, Action.DRAFT_PLAN, plan)
    plan = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
    if not plan.is_draft:
        raise PlanError.one("__all__", "Only a draft plan can be changed; start a revision instead.")
    if not choices:
        raise PlanError.one("__all__", "Choose at least one area to plan.")
    # An area the intake asked for, or one side of it (a side is never more than was asked).
    extra = [c.area for c in choices if not any(sides.covers(a["area"], c.area) for a in plan.intake.areas)]
    if extra:
        raise PlanError.one("__all__", f"Not in the intake: {', '.join(extra)}. Record a new intake first.")
    try:
        result = run_engine(plan.intake, choices, engine_settings(plan), default_protocol(), today=today)
    except ChoiceError as exc:
        raise PlanError.one(exc.key, exc.message) from exc
    blocked = _blocked_areas(result, choices)
    if blocked:
        raise PlanError({f"area_{code}": [msg] for code, msg in blocked.items()})
    errors: dict[str, list[str]] = {}
    if schedule is not None:
        errors = check_schedule(plan, result, schedule)
    if price is not None and price < 0:
        errors.setdefault("price", []).append("The price cannot be negative.")
    if errors:
        raise PlanError(errors)
    if schedule is not None and len(result.series) == 1:
        plan.sessions = schedule.sessions
        plan.gap_min_days, plan.gap_max_days = schedule.gap_min_days, schedule.gap_max_days
        plan.first_earliest, plan.first_latest = schedule.first_earliest, schedule.first_latest
        plan.schedule_reason = schedule.reason.strip()
    elif len(result.series) != 1:
        _default_schedule(plan, result)
    # A typed price is agreed and the quote honours it; blank means "from the price list".
    plan.price, plan.price_agreed = price, price is not None
    if notes is not None:
        plan.notes = notes.strip()
    _store(plan, result, choices)
    _default_price(plan)
    return plan


@transaction.atomic
def acknowledge_finding(finding: PlanFinding, *, actor: Actor, note: str, now: datetime) -> PlanFinding:
    who = require_staff(actor, Action.ACKNOWLEDGE_FINDING, finding)
    finding = PlanFinding.objects.select_for_update().select_related("plan").get(pk=finding.pk)
    if not finding.plan.is_draft:
        raise PlanError.one("__all__", "This plan is no longer a draft.")
    if finding.blocks_treatment:
        raise PlanError.one("note", "A BLOCK cannot be acknowledged away: the area stays out of the plan.")
    if not finding.needs_acknowledgement:
        raise PlanError.one("note", "This finding needs no acknowledgement.")
    if finding.needs_note and not note.strip():
        raise PlanError.one("note", "Record what was done or decided (e.g. who prescribed the antiviral).")
    finding.acknowledged_by = who
    finding.acknowledged_at = now
    finding.acknowledgement_note = note.strip()[:2000]
    finding.save()
    return finding


def confirmation_problems(plan: TreatmentPlan) -> list[str]:
    """Why the plan cannot be confirmed yet (empty when it can)."""
    problems: list[str] = []
    planned = {a.area for a in plan.areas.all()}
    if not planned:
        problems.append("No area can be planned: every requested area is blocked or left out.")
    for f in plan.findings.all():
        if f.blocks_treatment and (not f.area or f.area in planned):
            problems.append(f"BLOCK ({f.area_name or 'whole plan'}): {f.reason}")
        elif f.needs_acknowledgement and not f.is_acknowledged:
            problems.append(f"Not yet acknowledged: {f.severity} {f.area_name or 'whole plan'} — {f.reason}")
    if plan.sessions is None or plan.first_earliest is None:
        problems.append("The series is not set (sessions, intervals and first-session window).")
    return problems


def refresh_screening(plan: TreatmentPlan, *, today: date) -> TreatmentPlan:
    """Re-run the engine for a draft with today's date (findings may appear or expire);
    acknowledgements of unchanged findings are kept. Committed on its own, so new findings
    can be acknowledged even when the confirmation that triggered it fails."""
    with transaction.atomic():
        plan = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
        choices = choices_of(plan)
        if plan.is_draft and choices:
            try:
                result = run_engine(
                    plan.intake, choices, engine_settings(plan), default_protocol(), today=today
                )
            except ChoiceError as exc:
                raise PlanError.one(exc.key, exc.message) from exc
            _store(plan, result, choices)
            if (
                plan.first_earliest is not None
                and len(result.series) == 1
                and result.series[0].sessions[0].earliest > plan.first_earliest
            ):
                plan.first_earliest = result.series[0].sessions[0].earliest
                plan.first_latest = max(plan.first_latest or plan.first_earliest, plan.first_earliest)
                plan.save()
    return plan


def confirm_plan(plan: TreatmentPlan, *, actor: Actor, now: datetime, today: date) -> TreatmentPlan:
    """Re-screen with today's date, then confirm if nothing blocks and every warning, required
    action and numbing decision has been acknowledged."""
    who = require_staff(actor, Action.CONFIRM_PLAN, plan)
    if not plan.is_draft:
        raise PlanError.one("__all__", f"This plan is {plan.get_status_display().lower()}, not a draft.")
    refresh_screening(plan, today=today)
    with transaction.atomic():
        plan = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
        if not plan.is_draft:
            raise PlanError.one("__all__", f"This plan is {plan.get_status_display().lower()}, not a draft.")
        problems = confirmation_problems(plan)
        if problems:
            raise PlanError({"__all__": problems})
        plan.status = PlanStatus.CONFIRMED
        plan.confirmed_by = who
        plan.confirmed_at = now
        plan.save()
        if plan.supersedes_id is not None:
            old = TreatmentPlan.objects.select_for_update().get(pk=plan.supersedes_id)
            if old.status == PlanStatus.CONFIRMED:
                old.status = PlanStatus.SUPERSEDED
                old.ended_at = now
                old.end_reason = f"Superseded by plan #{plan.pk}"
                old.save(update_fields=["status", "ended_at", "end_reason", "updated_at"])
    return plan


@transaction.atomic
def cancel_plan(plan: TreatmentPlan, *, actor: Actor, reason: str, now: datetime) -> TreatmentPlan:
    require_staff(actor, Action.CANCEL_PLAN, plan)
    plan = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status not in (PlanStatus.DRAFT, PlanStatus.CONFIRMED):
        raise PlanError.one("__all__", f"This plan is already {plan.get_status_display().lower()}.")
    if not reason.strip():
        raise PlanError.one("reason", "Give a reason for cancelling the plan.")
    plan.status = PlanStatus.CANCELLED
    plan.ended_at = now
    plan.end_reason = reason.strip()[:300]
    plan.save(update_fields=["status", "ended_at", "end_reason", "updated_at"])
    return plan
