"""The day sheet of one location: who arrives when and where each stands, and what must be
done before today's sessions (consents, screening findings, unsigned charts).

States are read from what the clinic already records, so nothing new has to be kept in step:

====================  ==================================================================
state                 recorded as
====================  ==================================================================
expected              appointment booked
arrived               checked in, no anaesthetic recorded yet
numbing               checked in, cream on (not yet wiped off): the numbing clock runs
in treatment          checked in, cream wiped off or a chart started (not signed)
checking out          checked in, chart signed (the appointment is not completed yet)
done                  appointment completed
no-show               appointment marked no-show
====================  ==================================================================

Times are instants (UTC) with the location's zone for display; the day is the location's local
calendar date, so a DST day has 23 or 25 hours and still holds exactly that date's sessions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.db.models import Prefetch

from needlepoint.clinic.accounts.models import Membership, Role
from needlepoint.clinic.booking.models import Appointment, AppointmentStatus
from needlepoint.clinic.booking.selectors import appointments_between
from needlepoint.clinic.clinics.models import Location
from needlepoint.clinic.consent.services import ConsentMissing, require_consent
from needlepoint.clinic.plans.models import PlanFinding, PlanStatus, TreatmentPlan

from .models import Chart, NumbingApplication
from .selectors import NumbingClock, clock_for
from .services import plan_of

#: Booked and not here this long after the arrival time: flagged late.
LATE_AFTER = timedelta(minutes=15)


class ArrivalState(StrEnum):
    EXPECTED = "expected"
    ARRIVED = "arrived"
    NUMBING = "numbing"
    IN_TREATMENT = "in_treatment"
    CHECKING_OUT = "checking_out"
    DONE = "done"
    NO_SHOW = "no_show"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").replace("no show", "no-show").capitalize()


@dataclass(frozen=True)
class Arrival:
    """One appointment of the day as the sheet shows it (local times in the location's zone)."""

    appointment: Appointment
    state: ArrivalState
    arrival: datetime
    start: datetime
    end: datetime
    late: bool
    mine: bool
    #: Why treatment cannot start yet (no valid signed consent), "" when it can.
    consent_missing: str
    plan: TreatmentPlan | None
    #: The numbing clock while the cream is on (state numbing), else None.
    clock: NumbingClock | None = None
    #: The plan's areas to numb in one click (none when the plan has no numbing).
    numbing_areas: list[str] = field(default_factory=list)
    #: The treatment start has passed.
    started: bool = False

    @property
    def ready_at(self) -> datetime | None:
        return self.clock.local(self.clock.ready_at) if self.clock else None

    @property
    def can_check_in(self) -> bool:
        return self.state is ArrivalState.EXPECTED

    @property
    def can_start_numbing(self) -> bool:
        return self.state is ArrivalState.ARRIVED and bool(self.numbing_areas)

    @property
    def can_mark_no_show(self) -> bool:
        # The booking service refuses a no-show before the appointment time.
        return self.state is ArrivalState.EXPECTED and self.started


@dataclass(frozen=True)
class FindingsToReview:
    plan: TreatmentPlan
    count: int


@dataclass(frozen=True)
class DaySheet:
    location: Location
    day: date
    zone: str
    now: datetime
    arrivals: list[Arrival]
    #: Appointments of today whose client has no valid signed consent yet.
    consents_missing: list[Arrival]
    #: Draft plans of today's clients with findings that a clinician must acknowledge.
    findings: list[FindingsToReview]
    #: Charts at this location, today or earlier, not signed.
    unsigned_charts: list[Chart]

    @property
    def location_zone(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    @property
    def mine(self) -> list[Arrival]:
        return [a for a in self.arrivals if a.mine]

    @property
    def others(self) -> list[Arrival]:
        return [a for a in self.arrivals if not a.mine]

    def counts(self) -> dict[ArrivalState, int]:
        out = dict.fromkeys(ArrivalState, 0)
        for a in self.arrivals:
            out[a.state] += 1
        return out


def day_bounds(location: Location, day: date) -> tuple[datetime, datetime]:
    """The location's local ``day`` as UTC instants [start, end) (23 or 25 hours across DST)."""
    zone = ZoneInfo(location.timezone)
    return datetime.combine(day, time(0), zone), datetime.combine(day + timedelta(days=1), time(0), zone)


def _state(appt: Appointment, chart: Chart | None, numbing: NumbingApplication | None) -> ArrivalState:
    if appt.status == AppointmentStatus.NO_SHOW:
        return ArrivalState.NO_SHOW
    if appt.status == AppointmentStatus.COMPLETED:
        return ArrivalState.DONE
    if appt.status == AppointmentStatus.BOOKED:
        return ArrivalState.EXPECTED
    if chart is not None and chart.is_signed:
        return ArrivalState.CHECKING_OUT
    if chart is not None or (numbing is not None and numbing.removed_at is not None):
        return ArrivalState.IN_TREATMENT
    if numbing is not None:
        return ArrivalState.NUMBING
    return ArrivalState.ARRIVED


def _consent_missing(appt: Appointment, plan: TreatmentPlan | None) -> str:
    if appt.status not in (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN):
        return ""
    if plan is None:
        return "no confirmed treatment plan"
    try:
        require_consent(plan)
    except ConsentMissing as exc:
        return exc.reason
    return ""


def day_sheet(location: Location, day: date, *, viewer: Membership | None, now: datetime) -> DaySheet:
    """The sheet of ``location`` on its local ``day``: arrivals in arrival order (a practitioner
    viewing gets theirs first, see :attr:`DaySheet.mine`) and what is outstanding."""
    zone = ZoneInfo(location.timezone)
    appts = list(
        appointments_between(location, day, day)
        .select_related("series__plan")
        .prefetch_related(
            Prefetch(
                "numbing_applications",
                queryset=NumbingApplication.objects.order_by("-applied_at", "-pk"),
                to_attr="numbings_latest_first",
            )
        )
        .order_by("arrival", "start", "pk")
    )
    charts = {c.appointment_id: c for c in Chart.objects.filter(appointment__in=appts)}
    is_practitioner = viewer is not None and viewer.role == Role.PRACTITIONER
    arrivals: list[Arrival] = []
    for appt in appts:
        numbing = appt.numbings_latest_first[0] if appt.numbings_latest_first else None
        state = _state(appt, charts.get(appt.pk), numbing)
        plan = plan_of(appt)
        areas = list(plan.areas.order_by("position").values_list("area", flat=True)) if plan else []
        arrivals.append(
            Arrival(
                appointment=appt,
                state=state,
                arrival=appt.arrival.astimezone(zone),
                start=appt.start.astimezone(zone),
                end=appt.end.astimezone(zone),
                late=state is ArrivalState.EXPECTED and now > appt.arrival + LATE_AFTER,
                mine=is_practitioner and viewer is not None and appt.practitioner_id == viewer.pk,
                consent_missing=_consent_missing(appt, plan),
                plan=plan,
                clock=(
                    clock_for(numbing, zone=location.timezone, session_end=appt.end, now=now)
                    if state is ArrivalState.NUMBING and numbing is not None
                    else None
                ),
                numbing_areas=areas if plan is not None and plan.numbing else [],
                started=appt.start <= now,
            )
        )
    client_ids = {a.appointment.client_id for a in arrivals if a.state is not ArrivalState.NO_SHOW}
    return DaySheet(
        location=location,
        day=day,
        zone=location.timezone,
        now=now,
        arrivals=arrivals,
        consents_missing=[a for a in arrivals if a.consent_missing],
        findings=_findings_to_review(location, client_ids),
        unsigned_charts=_unsigned_charts(location, day_bounds(location, day)[1]),
    )


def _findings_to_review(location: Location, client_ids: set[int]) -> list[FindingsToReview]:
    pending = [
        f
        for f in PlanFinding.objects.for_clinic(location.clinic_id)
        .filter(plan__client_id__in=client_ids, plan__status=PlanStatus.DRAFT, acknowledged_at__isnull=True)
        .select_related("plan__client")
        if f.needs_acknowledgement and not f.blocks_treatment
    ]
    by_plan: dict[int, FindingsToReview] = {}
    for f in pending:
        seen = by_plan.get(f.plan_id)
        by_plan[f.plan_id] = FindingsToReview(f.plan, (seen.count if seen else 0) + 1)
    return sorted(by_plan.values(), key=lambda r: r.plan.client.full_name)


def _unsigned_charts(location: Location, before: datetime) -> list[Chart]:
    return list(
        Chart.objects.for_clinic(location.clinic_id)
        .filter(appointment__location=location, appointment__start__lt=before, signed_at__isnull=True)
        .select_related("client", "appointment__practitioner__user")
        .order_by("appointment__start")
    )
