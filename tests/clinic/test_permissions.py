"""Every write service of intake, plans, consent, outcomes, treatments and reviews, called
directly with every kind of actor: allowed exactly when permissions' tables say so.

The expectation comes from the tables (``STAFF_RULES``, ``CLIENT_RULES``, ``SYSTEM_RULES``), not
from ``may``; each case says which action its service is and what it changes. An allowed call
must change that; a refused one must raise ``NotAllowed``/``NotFound`` and change nothing.
Another clinic's staff and another client are refused with ``NotFound``: nothing leaks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction

from needlepoint import clock
from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.client_records import services as records
from needlepoint.clinic.client_records.merge import merge_clients
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.consent import services as consent
from needlepoint.clinic.consent.models import ConsentDocument, ConsentSignature, SigningChannel
from needlepoint.clinic.errors import NotAllowed, NotFound
from needlepoint.clinic.intake import services as intake
from needlepoint.clinic.intake.models import Intake, IntakeSource
from needlepoint.clinic.outcomes import services as outcomes
from needlepoint.clinic.outcomes.models import AdverseEvent, FollowUpTask, OutcomeScore
from needlepoint.clinic.permissions import (
    CLIENT_RULES,
    STAFF_RULES,
    SYSTEM_RULES,
    Action,
    Actor,
    ClientActor,
    SystemActor,
)
from needlepoint.clinic.plans import services as plans
from needlepoint.clinic.plans.models import PlanFinding, TreatmentPlan
from needlepoint.clinic.reviews import services as reviews
from needlepoint.clinic.reviews.models import Review
from needlepoint.clinic.treatments import services as treatments
from needlepoint.clinic.treatments.models import (
    Chart,
    ChartAddendum,
    ChartEntry,
    Lot,
    NumbingApplication,
    TreatmentPhoto,
)
from tests.clinic.journey_helpers import (
    acknowledge_all,
    confirmed_plan,
    data_url,
    draft,
    intake_data,
    signature_png,
    submit,
)
from tests.clinic.outcomes.helpers import day, finished_series, session
from tests.clinic.treatments.helpers import START, Day, entry_input, image_bytes, lot, treatment_day, upload
from tests.conftest import ClinicWorld

PRACTITIONER = Role.PRACTITIONER.value


@dataclass(frozen=True)
class Case:
    action: Action
    #: Builds the objects in clinic A (as its practitioner/front desk would) → state.
    setup: Callable[[ClinicWorld], Any]
    #: The service call under test.
    call: Callable[[Actor, Any], object]
    #: A value read back from the database that an allowed call changes.
    observe: Callable[[Any], object]


def _staff(w: ClinicWorld, role: str = PRACTITIONER) -> Any:
    return w.memberships[role]


def _today() -> date:
    return clock.now().date()


# --- setups --------------------------------------------------------------------------------------


def _finding(w: ClinicWorld) -> PlanFinding:
    plan = draft(w, submit(w, intake_data(conditions=("herpes_simplex_history",))))
    return next(f for f in plan.findings.all() if f.needs_acknowledgement and not f.blocks_treatment)


def _plan_ready(w: ClinicWorld) -> TreatmentPlan:
    plan = draft(w)
    acknowledge_all(w, plan)
    return plan


def _document(w: ClinicWorld) -> ConsentDocument:
    return consent.generate_consent(confirmed_plan(w), actor=_staff(w, Role.FRONT_DESK))


def _event(w: ClinicWorld) -> AdverseEvent:
    return outcomes.open_adverse_event(
        w.clinic,  # type: ignore[arg-type]
        actor=_staff(w),
        client=w.client,  # type: ignore[arg-type]
        source="staff",
        type="infection",
    )


def _task(w: ClinicWorld) -> FollowUpTask:
    return outcomes.add_follow_up(_event(w), actor=_staff(w), title="Call back")


def _resolved(w: ClinicWorld) -> AdverseEvent:
    return outcomes.resolve_adverse_event(_event(w), actor=_staff(w), resolution="Healed")


def _score(w: ClinicWorld) -> OutcomeScore:
    appt = session(w, day(1))
    return outcomes.record_score(
        w.clinic,  # type: ignore[arg-type]
        actor=_staff(w),
        appointment=appt,
        scale="gais",
        value=2,
        area="cheeks",
    )


def _numbed(w: ClinicWorld) -> NumbingApplication:
    d = treatment_day(w)
    return treatments.record_numbing(d.clinic, _staff(w), d.appointment, areas=["cheeks"], now=START)


def _charted(w: ClinicWorld) -> tuple[Day, Chart, ChartEntry]:
    d = treatment_day(w)
    chart = treatments.start_chart(d.clinic, d.practitioner, d.appointment, now=START)
    entry = treatments.add_chart_entry(d.clinic, d.practitioner, chart, entry_input(d), now=START)
    return d, chart, entry


def _signed_chart(w: ClinicWorld) -> Chart:
    d, chart, _ = _charted(w)
    return treatments.sign_chart(d.clinic, d.practitioner, chart, now=START)


def _review(w: ClinicWorld) -> Review:
    return reviews.submit_review(
        ClientActor(w.client),  # type: ignore[arg-type]
        finished_series(w),
        rating=4,
        text="Smoother skin.",
    )


def _fresh(model: Any, obj: Any, attr: str) -> object:
    return getattr(model.objects.get(pk=obj.pk), attr)


# --- the cases -------------------------------------------------------------------------------------

def _duplicate(w: ClinicWorld) -> tuple[Any, Client]:
    dup = Client.objects.create(
        clinic=w.clinic, first_name="Dup", last_name="Licate", date_of_birth=date(1990, 5, 17)
    )
    return w.client, dup


def _archived(w: ClinicWorld) -> Client:
    Client.objects.filter(pk=w.client.pk).update(is_archived=True)  # type: ignore[attr-defined]
    return w.client  # type: ignore[return-value]


CASES: dict[str, Case] = {
    "clients.archive": Case(
        Action.ARCHIVE_CLIENT,
        lambda w: w.client,
        lambda a, c: records.archive_client(c, actor=a, now=clock.now()),
        lambda c: _fresh(Client, c, "is_archived"),
    ),
    "clients.unarchive": Case(
        Action.UNARCHIVE_CLIENT,
        _archived,
        lambda a, c: records.unarchive_client(c, actor=a, now=clock.now()),
        lambda c: _fresh(Client, c, "is_archived"),
    ),
    "clients.merge": Case(
        Action.MERGE_CLIENTS,
        _duplicate,
        lambda a, pair: merge_clients(pair[0], pair[1], actor=a, now=clock.now()),
        lambda pair: _fresh(Client, pair[1], "merged_into_id"),
    ),
    "intake.submit": Case(
        Action.SUBMIT_INTAKE,
        lambda w: w,
        lambda a, w: intake.submit_intake(
            w.client, intake_data(), actor=a, source=IntakeSource.STAFF, now=clock.now()
        ),
        lambda w: Intake.objects.filter(client=w.client).count(),
    ),
    "plans.draft": Case(
        Action.DRAFT_PLAN,
        lambda w: (w, submit(w)),
        lambda a, wi: plans.draft_plan(wi[1], device=wi[0].device, actor=a, today=_today()),
        lambda wi: TreatmentPlan.objects.filter(intake=wi[1]).count(),
    ),
    "plans.revise": Case(
        Action.DRAFT_PLAN,
        draft,
        lambda a, p: plans.revise_plan(
            p, plans.choices_of(p), None, actor=a, today=_today(), notes="Revised notes"
        ),
        lambda p: _fresh(TreatmentPlan, p, "notes"),
    ),
    "plans.acknowledge_finding": Case(
        Action.ACKNOWLEDGE_FINDING,
        _finding,
        lambda a, f: plans.acknowledge_finding(f, actor=a, note="Aciclovir from the GP.", now=clock.now()),
        lambda f: _fresh(PlanFinding, f, "acknowledged_at"),
    ),
    "plans.confirm": Case(
        Action.CONFIRM_PLAN,
        _plan_ready,
        lambda a, p: plans.confirm_plan(p, actor=a, now=clock.now(), today=_today()),
        lambda p: _fresh(TreatmentPlan, p, "status"),
    ),
    "plans.cancel": Case(
        Action.CANCEL_PLAN,
        draft,
        lambda a, p: plans.cancel_plan(p, actor=a, reason="Moved away", now=clock.now()),
        lambda p: _fresh(TreatmentPlan, p, "status"),
    ),
    "consent.generate": Case(
        Action.GENERATE_CONSENT,
        confirmed_plan,
        lambda a, p: consent.generate_consent(p, actor=a),
        lambda p: ConsentDocument.objects.filter(plan=p).count(),
    ),
    "consent.sign": Case(
        Action.SIGN_CONSENT,
        _document,
        lambda a, d: consent.sign_consent(
            d,
            actor=a,
            typed_name=d.client.full_name,
            signature_data_url=data_url(signature_png()),
            channel=SigningChannel.PORTAL,
            now=clock.now(),
        ),
        lambda d: ConsentSignature.objects.filter(document=d).count(),
    ),
    "outcomes.open_adverse_event": Case(
        Action.OPEN_ADVERSE_EVENT,
        lambda w: w,
        lambda a, w: outcomes.open_adverse_event(
            w.clinic, actor=a, client=w.client, source="staff", type="bruising"
        ),
        lambda w: AdverseEvent.objects.count(),
    ),
    "outcomes.update_adverse_event": Case(
        Action.MANAGE_ADVERSE_EVENT,
        _event,
        lambda a, e: outcomes.update_adverse_event(e, actor=a, severity="severe"),
        lambda e: _fresh(AdverseEvent, e, "severity"),
    ),
    "outcomes.add_follow_up": Case(
        Action.MANAGE_ADVERSE_EVENT,
        _event,
        lambda a, e: outcomes.add_follow_up(e, actor=a, title="Review in 48 h"),
        lambda e: FollowUpTask.objects.filter(event=e).count(),
    ),
    "outcomes.complete_follow_up": Case(
        Action.MANAGE_ADVERSE_EVENT,
        _task,
        lambda a, t: outcomes.complete_follow_up(t, actor=a),
        lambda t: _fresh(FollowUpTask, t, "done_at"),
    ),
    "outcomes.resolve_adverse_event": Case(
        Action.MANAGE_ADVERSE_EVENT,
        _event,
        lambda a, e: outcomes.resolve_adverse_event(e, actor=a, resolution="Healed"),
        lambda e: _fresh(AdverseEvent, e, "status"),
    ),
    "outcomes.reopen_adverse_event": Case(
        Action.MANAGE_ADVERSE_EVENT,
        _resolved,
        lambda a, e: outcomes.reopen_adverse_event(e, actor=a),
        lambda e: _fresh(AdverseEvent, e, "status"),
    ),
    "outcomes.record_score": Case(
        Action.RECORD_OUTCOME,
        lambda w: session(w, day(1)),
        lambda a, appt: outcomes.record_score(
            appt.clinic, actor=a, appointment=appt, scale="gais", value=3, area="cheeks"
        ),
        lambda appt: OutcomeScore.objects.filter(appointment=appt).count(),
    ),
    "outcomes.delete_score": Case(
        Action.RECORD_OUTCOME,
        _score,
        lambda a, s: outcomes.delete_score(s, actor=a),
        lambda s: OutcomeScore.objects.filter(pk=s.pk).count(),
    ),
    "treatments.check_in": Case(
        Action.CHECK_IN,
        lambda w: treatment_day(w, check_in=False),
        lambda a, d: treatments.check_in(d.clinic, a, d.appointment, now=START),
        lambda d: _fresh(Appointment, d.appointment, "status"),
    ),
    "treatments.record_numbing": Case(
        Action.RECORD_NUMBING,
        treatment_day,
        lambda a, d: treatments.record_numbing(d.clinic, a, d.appointment, areas=["cheeks"], now=START),
        lambda d: NumbingApplication.objects.filter(appointment=d.appointment).count(),
    ),
    "treatments.remove_numbing": Case(
        Action.RECORD_NUMBING,
        _numbed,
        lambda a, n: treatments.remove_numbing(n.appointment.clinic, a, n, now=START + timedelta(minutes=40)),
        lambda n: _fresh(NumbingApplication, n, "removed_at"),
    ),
    "treatments.receive_lot": Case(
        Action.MANAGE_LOTS,
        lambda w: w,
        lambda a, w: treatments.receive_lot(
            w.clinic,
            a,
            location=w.location,
            kind="cartridge",
            product_name="Nano 12-pin",
            lot_number="N-12",
            expiry=date(2028, 6, 30),
            quantity=5,
            now=START,
        ),
        lambda w: Lot.objects.filter(clinic=w.clinic).count(),
    ),
    "treatments.use_lot": Case(
        Action.MANAGE_LOTS,
        lot,
        lambda a, x: treatments.use_lot(x.clinic, a, x, quantity=1, now=START),
        lambda x: _fresh(Lot, x, "quantity_used"),
    ),
    "treatments.recall_lot": Case(
        Action.RECALL_LOT,
        lot,
        lambda a, x: treatments.recall_lot(x.clinic, a, x, reason="Supplier notice", now=START),
        lambda x: _fresh(Lot, x, "recalled_at"),
    ),
    "treatments.start_chart": Case(
        Action.CHART,
        treatment_day,
        lambda a, d: treatments.start_chart(d.clinic, a, d.appointment, now=START),
        lambda d: Chart.objects.filter(appointment=d.appointment).count(),
    ),
    "treatments.add_chart_entry": Case(
        Action.CHART,
        lambda w: (lambda d: (d, treatments.start_chart(d.clinic, d.practitioner, d.appointment)))(
            treatment_day(w)
        ),
        lambda a, dc: treatments.add_chart_entry(dc[0].clinic, a, dc[1], entry_input(dc[0]), now=START),
        lambda dc: ChartEntry.objects.filter(chart=dc[1]).count(),
    ),
    "treatments.remove_chart_entry": Case(
        Action.CHART,
        _charted,
        lambda a, s: treatments.remove_chart_entry(s[0].clinic, a, s[2]),
        lambda s: ChartEntry.objects.filter(chart=s[1]).count(),
    ),
    "treatments.sign_chart": Case(
        Action.SIGN_CHART,
        _charted,
        lambda a, s: treatments.sign_chart(s[0].clinic, a, s[1], now=START),
        lambda s: _fresh(Chart, s[1], "signed_at"),
    ),
    "treatments.add_addendum": Case(
        Action.CHART,
        _signed_chart,
        lambda a, c: treatments.add_addendum(c.clinic, a, c, text="Mild redness next day.", now=START),
        lambda c: ChartAddendum.objects.filter(chart=c).count(),
    ),
    "treatments.add_photo": Case(
        Action.CHART,
        treatment_day,
        lambda a, d: treatments.add_photo(
            d.clinic,
            a,
            d.appointment,
            area="cheeks",
            view="front",
            phase="before",
            upload=upload(image_bytes()),
            now=START,
        ),
        lambda d: TreatmentPhoto.objects.filter(appointment=d.appointment).count(),
    ),
    "reviews.submit": Case(
        Action.SUBMIT_REVIEW,
        finished_series,
        lambda a, s: reviews.submit_review(a, s, rating=5, text="Lovely team."),
        lambda s: Review.objects.filter(series=s).count(),
    ),
    "reviews.publish": Case(
        Action.MODERATE_REVIEW,
        _review,
        lambda a, r: reviews.publish_review(r, actor=a),
        lambda r: _fresh(Review, r, "status"),
    ),
    "reviews.reject": Case(
        Action.MODERATE_REVIEW,
        _review,
        lambda a, r: reviews.reject_review(r, actor=a, reason="Names a member of staff"),
        lambda r: _fresh(Review, r, "status"),
    ),
    "reviews.withdraw": Case(
        Action.SUBMIT_REVIEW,
        _review,
        lambda a, r: reviews.withdraw_review(a, r),
        lambda r: _fresh(Review, r, "status"),
    ),
}


# --- the actors ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Who:
    kind: str  # "staff", "client", "system"
    role: str = ""
    #: Outside the object's reach (another clinic, another client): refused as NotFound.
    outside: bool = False


ACTORS: dict[str, Who] = {
    "owner": Who("staff", Role.OWNER.value),
    "practitioner": Who("staff", Role.PRACTITIONER.value),
    "front_desk": Who("staff", Role.FRONT_DESK.value),
    "other_clinic_owner": Who("staff", Role.OWNER.value, outside=True),
    "other_clinic_practitioner": Who("staff", Role.PRACTITIONER.value, outside=True),
    "other_clinic_front_desk": Who("staff", Role.FRONT_DESK.value, outside=True),
    "the_client": Who("client"),
    "another_client": Who("client", outside=True),
    "system": Who("system"),
}


def _actor(name: str, a: ClinicWorld, b: ClinicWorld) -> Actor:
    who = ACTORS[name]
    if who.kind == "staff":
        return (b if who.outside else a).memberships[who.role]  # type: ignore[return-value]
    if who.kind == "client":
        if not who.outside:
            return ClientActor(a.client)  # type: ignore[arg-type]
        other = Client.objects.create(
            clinic=a.clinic, first_name="Other", last_name="Client", date_of_birth=date(1985, 3, 1)
        )
        return ClientActor(other)
    return SystemActor(int(a.clinic.pk), "test")  # type: ignore[attr-defined]


def allowed(name: str, action: Action) -> bool:
    """What permissions' tables say (the test's expectation, independent of ``may``)."""
    who = ACTORS[name]
    if who.outside:
        return False
    if who.kind == "staff":
        return who.role in STAFF_RULES[action]
    if who.kind == "client":
        return action in CLIENT_RULES
    return action in SYSTEM_RULES


def _verdict(service: str, actor_name: str, a: ClinicWorld, b: ClinicWorld) -> str:
    """Empty when the service did what the tables say, else what went wrong."""
    case = CASES[service]
    state = case.setup(a)
    actor = _actor(actor_name, a, b)
    before = case.observe(state)
    if allowed(actor_name, case.action):
        case.call(actor, state)
        return "" if case.observe(state) != before else "allowed but changed nothing"
    try:
        case.call(actor, state)
    except (NotAllowed, NotFound) as exc:
        if case.observe(state) != before:
            return "refused but changed something"
        if ACTORS[actor_name].outside and not isinstance(exc, NotFound):
            return f"refused with {type(exc).__name__}, not NotFound: the object's existence leaks"
        return ""
    return "should have been refused"


@pytest.mark.parametrize("service", list(CASES))
def test_service_admits_exactly_the_actors_permissions_allow(
    service: str, clinic_a: ClinicWorld, clinic_b: ClinicWorld
) -> None:
    """Each actor in turn, from the same starting point: its run (set-up included) is rolled back."""
    wrong = {}
    for actor_name in ACTORS:
        with transaction.atomic():
            verdict = _verdict(service, actor_name, clinic_a, clinic_b)
            transaction.set_rollback(True)
        if verdict:
            wrong[actor_name] = verdict
    assert wrong == {}


def test_every_action_a_case_names_has_someone_allowed_and_someone_refused() -> None:
    """The matrix is not vacuous: each service is both allowed and refused for some actor."""
    for service, case in CASES.items():
        verdicts = {allowed(name, case.action) for name in ACTORS}
        assert verdicts == {True, False}, service
