"""Reads of plans, and what booking needs from a confirmed plan.

Booking calls :func:`bookable_plan`: it refuses a plan that is not confirmed, and re-screens
the planned areas against the client's latest intake, so an area that has become blocked since
(say, an infected cheek reported yesterday) cannot be booked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from needlepoint.clinic.audit.services import AccessContext, record_access
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.errors import InvalidInput
from needlepoint.clinic.intake.selectors import latest_intake
from needlepoint.protocol import INTERVAL_FLOOR_DAYS, Plan, default_protocol, sides

from .engine import ChoiceError, run_engine
from .models import PlanFinding, PlanStatus, TreatmentPlan
from .services import choices_of, engine_settings


class PlanNotBookable(InvalidInput):
    """The plan cannot be booked (not confirmed, window passed, or an area is now blocked)."""

    code = "plan_not_bookable"

    def __init__(self, message: str, *, blocked_areas: tuple[str, ...] = ()) -> None:
        self.blocked_areas = blocked_areas
        super().__init__(message)


@dataclass(frozen=True)
class SeriesWindows:
    """Everything the series search needs, in the names of SeriesRequest.regular()."""

    plan_id: int
    client_id: int
    count: int
    min_days: int
    max_days: int
    first_earliest: date
    first_latest: date
    areas: tuple[str, ...]
    area_names: tuple[str, ...]
    #: Needling time of the planned areas plus set-up (the engine's estimate).
    treatment_minutes: int
    #: The topical anaesthetic's application time before the start (None: no numbing).
    numbing_minutes: int | None
    source: str
    #: The protocol's hard floor between sessions for the planned areas' regions: never less,
    #: whatever the plan's own interval says.
    floor_days: int = 0

    def series_problems(
        self, *, sessions: int, first_earliest: date, first_latest: date, gap_min_days: int, gap_max_days: int
    ) -> list[str]:
        """Why a series of this shape (a booking request's) is not this plan's series."""
        problems = []
        if first_earliest < self.first_earliest or first_latest > self.first_latest:
            problems.append(
                f"Plan #{self.plan_id}'s first session is due {self.first_earliest:%d %b %Y}–"
                f"{self.first_latest:%d %b %Y}."
            )
        if sessions != self.count:
            problems.append(f"Plan #{self.plan_id} has {self.count} sessions, not {sessions}.")
        low = max(self.min_days, self.floor_days)
        if gap_min_days < low or gap_max_days > self.max_days:
            problems.append(
                f"Plan #{self.plan_id} needs {low}–{self.max_days} days between sessions "
                f"(never less than {self.floor_days}), not {gap_min_days}–{gap_max_days}."
            )
        return problems

    def type_problems(self, duration_minutes: int, numbing_minutes: int) -> list[str]:
        """Why an appointment type of this length and numbing lead time cannot carry the plan."""
        problems = []
        if duration_minutes < self.treatment_minutes:
            problems.append(
                f"The plan's areas need about {self.treatment_minutes} minutes; "
                f"this type books {duration_minutes}."
            )
        if self.numbing_minutes and numbing_minutes < self.numbing_minutes:
            problems.append(
                f"The plan's anaesthetic needs {self.numbing_minutes} minutes "
                f"before the start; this type allows {numbing_minutes}."
            )
        return problems


def plans_of(client: Client) -> QuerySet[TreatmentPlan]:
    return (
        TreatmentPlan.objects.for_clinic(client.clinic_id)
        .filter(client=client)
        .order_by("-created_at", "-id")
    )


def plan_for_read(ctx: AccessContext, pk: int) -> TreatmentPlan:
    plan = get_object_or_404(
        TreatmentPlan.objects.for_clinic(ctx.clinic).select_related("client", "intake", "device"), pk=pk
    )
    record_access(ctx, client=plan.client, action="view-plan")
    return plan


def finding_of(plan: TreatmentPlan, pk: int) -> PlanFinding:
    return get_object_or_404(PlanFinding.objects.for_clinic(plan.clinic_id).filter(plan=plan), pk=pk)


def engine_plan(plan: TreatmentPlan) -> Plan:
    return Plan.model_validate(plan.engine_plan)


def current_plan(client: Client) -> TreatmentPlan | None:
    return plans_of(client).filter(status=PlanStatus.CONFIRMED).first()


def newly_blocked(plan: TreatmentPlan, *, today: date) -> dict[str, str]:
    """Planned areas that the client's latest intake now blocks (area → reason)."""
    intake = latest_intake(plan.client)
    if intake is None:
        return {}
    choices = choices_of(plan)
    try:
        result = run_engine(intake, choices, engine_settings(plan), default_protocol(), today=today)
    except ChoiceError as exc:
        return {"__all__": f"The plan no longer fits the latest intake: {exc.message}"}
    return {r.area: r.reason for r in result.removed_areas}


def bookable_plan(plan: TreatmentPlan, *, today: date) -> SeriesWindows:
    if plan.status != PlanStatus.CONFIRMED:
        raise PlanNotBookable(
            f"Plan #{plan.pk} is {plan.get_status_display().lower()}: only a confirmed plan can be booked."
        )
    if plan.sessions is None or plan.first_earliest is None or plan.first_latest is None:
        raise PlanNotBookable(f"Plan #{plan.pk} has no series.")
    if plan.gap_min_days is None or plan.gap_max_days is None:
        raise PlanNotBookable(f"Plan #{plan.pk} has no series intervals.")
    if plan.first_latest < today:
        raise PlanNotBookable(
            f"The first session of plan #{plan.pk} had to be by {plan.first_latest:%d %b %Y}; "
            "revise the plan."
        )
    blocked = newly_blocked(plan, today=today)
    if blocked:
        raise PlanNotBookable(
            "Cannot book: " + " ".join(f"{code}: {why}" for code, why in blocked.items()),
            blocked_areas=tuple(blocked),
        )
    areas = list(plan.areas.order_by("position"))
    snapshot = engine_plan(plan)
    numbing = snapshot.numbing
    return SeriesWindows(
        plan_id=plan.pk,
        client_id=plan.client_id,
        count=plan.sessions,
        min_days=plan.gap_min_days,
        max_days=plan.gap_max_days,
        first_earliest=max(plan.first_earliest, today),
        first_latest=plan.first_latest,
        areas=tuple(a.area for a in areas),
        area_names=tuple(a.area_name for a in areas),
        treatment_minutes=sum(a.treatment_minutes for a in snapshot.areas)
        + default_protocol().data.series.session_overhead_minutes,
        numbing_minutes=numbing.application_minutes if numbing else None,
        source=f"Plan #{plan.pk} ({plan.protocol_id} {plan.protocol_version})",
        floor_days=max((INTERVAL_FLOOR_DAYS.get(a.region, 0) for a in snapshot.areas), default=0),
    )


def plan_for_session(plan: TreatmentPlan, *, start: datetime, today: date) -> Plan | None:
    """The engine's plan for one session at ``start`` (aware): numbing clock times and the
    aftercare timeline for that appointment. None if the plan no longer runs through the engine."""
    try:
        return run_engine(
            plan.intake,
            choices_of(plan),
            engine_settings(plan),
            default_protocol(),
            today=today,
            appointment_start=start,
        )
    except ChoiceError:
        return None


def plan_rows(plan: TreatmentPlan, planned: Mapping[str, Any]) -> list[str]:
    """The rows of the plan form: each area of the intake, or its two sides when the engine
    planned them apart (one side's skin differs), so each side has its own depth."""
    engine = plan.engine_plan or {}
    known = [*planned, *(r["area"] for r in engine.get("removed_areas", []))]
    rows: list[str] = []
    for entry in plan.intake.areas:
        code = entry["area"]
        split = sorted({k for k in known if k != code and sides.overlap(k, code)})
        rows.extend(split or [code])
    return rows


def requested_entry(plan: TreatmentPlan, code: str) -> dict[str, Any] | None:
    """The intake's request an area or one side of it comes from (None: not in the intake)."""
    return next((e for e in plan.intake.areas if sides.overlap(e["area"], code)), None)
