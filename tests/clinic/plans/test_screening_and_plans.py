"""Screening findings need acknowledgement; blocked areas cannot be planned or booked; depth
overrides go through the engine's limits; the series keeps the interval floors."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from needlepoint import clock
from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.errors import NotAllowed
from needlepoint.clinic.plans import services
from needlepoint.clinic.plans.engine import AreaChoice
from needlepoint.clinic.plans.models import PlanStatus, TreatmentPlan
from needlepoint.clinic.plans.selectors import PlanNotBookable, bookable_plan
from tests.clinic.journey_helpers import (
    SkinStateEntry,
    acknowledge_all,
    confirmed_plan,
    draft,
    intake_data,
    practitioner,
    submit,
)
from tests.conftest import ClinicWorld


def TODAY() -> date:
    return clock.now().date()


def _confirm(world: ClinicWorld, plan: TreatmentPlan) -> TreatmentPlan:
    return services.confirm_plan(plan, actor=practitioner(world), now=clock.now(), today=TODAY())


def test_plan_records_engine_proposal_and_protocol_version(clinic_a: ClinicWorld) -> None:
    plan = draft(clinic_a)
    assert plan.protocol_id == "needlepoint-default" and plan.protocol_version
    assert plan.engine_plan["protocol_version"] == plan.protocol_version
    cheeks = plan.areas.get(area="cheeks")
    assert cheeks.depth_mm == cheeks.recommended_mm == Decimal("1.50")  # grade 3 on cheeks
    assert (plan.sessions, plan.gap_min_days, plan.gap_max_days) == (4, 28, 35)


def test_warnings_must_be_acknowledged_before_confirmation(clinic_a: ClinicWorld) -> None:
    plan = draft(clinic_a, submit(clinic_a, intake_data(conditions=("keloid_history",))))
    warn = plan.findings.get(code="keloid_history")
    with pytest.raises(services.PlanError) as err:
        _confirm(clinic_a, plan)
    assert any("Not yet acknowledged" in m for m in err.value.errors["__all__"])
    services.acknowledge_finding(warn, actor=practitioner(clinic_a), note="", now=clock.now())
    assert _confirm(clinic_a, plan).status == PlanStatus.CONFIRMED


def test_required_action_needs_a_note(clinic_a: ClinicWorld) -> None:
    plan = draft(clinic_a, submit(clinic_a, intake_data(conditions=("herpes_simplex_history",))))
    require = plan.findings.get(code="herpes_history")
    with pytest.raises(services.PlanError) as err:
        services.acknowledge_finding(require, actor=practitioner(clinic_a), note=" ", now=clock.now())
    assert "note" in err.value.errors
    services.acknowledge_finding(
        require, actor=practitioner(clinic_a), note="Aciclovir, Dr Khan", now=clock.now()
    )
    require.refresh_from_db()
    assert (
        require.acknowledged_by == practitioner(clinic_a)
        and require.acknowledgement_note == "Aciclovir, Dr Khan"
    )


def test_acknowledgement_survives_a_re_screen(clinic_a: ClinicWorld) -> None:
    plan = draft(clinic_a, submit(clinic_a, intake_data(conditions=("keloid_history",))))
    acknowledge_all(clinic_a, plan)
    services.revise_plan(plan, services.choices_of(plan), None, actor=practitioner(clinic_a), today=TODAY())
    assert plan.findings.get(code="keloid_history").is_acknowledged


def test_front_desk_cannot_make_clinical_decisions(clinic_a: ClinicWorld) -> None:
    plan = draft(clinic_a, submit(clinic_a, intake_data(conditions=("keloid_history",))))
    desk = clinic_a.memberships[Role.FRONT_DESK]
    with pytest.raises(NotAllowed):
        services.acknowledge_finding(plan.findings.first(), actor=desk, note="", now=clock.now())
    with pytest.raises(NotAllowed):
        services.confirm_plan(plan, actor=desk, now=clock.now(), today=TODAY())


def test_a_block_cannot_be_acknowledged_and_the_area_is_not_planned(clinic_a: ClinicWorld) -> None:
    data = intake_data(skin_state=(SkinStateEntry("cheeks", "inflamed"),))
    plan = draft(clinic_a, submit(clinic_a, data))
    assert list(plan.areas.values_list("area", flat=True)) == ["forehead"]
    block = plan.findings.get(severity="BLOCK")
    with pytest.raises(services.PlanError):
        services.acknowledge_finding(block, actor=practitioner(clinic_a), note="ok", now=clock.now())
    # Asking for the blocked area explicitly is refused with the engine's reason.
    with pytest.raises(services.PlanError) as err:
        services.revise_plan(
            plan,
            [AreaChoice("cheeks", "acne_scars", 3), AreaChoice("forehead", "fine_lines")],
            None,
            actor=practitioner(clinic_a),
            today=TODAY(),
        )
    assert "inflamed" in " ".join(err.value.errors["area_cheeks"]).lower()
    assert list(plan.areas.values_list("area", flat=True)) == ["forehead"]


def test_a_plan_with_every_area_blocked_cannot_be_confirmed_or_booked(clinic_a: ClinicWorld) -> None:
    plan = draft(clinic_a, submit(clinic_a, intake_data(conditions=("pregnant",))))
    assert not plan.areas.exists()
    with pytest.raises(services.PlanError) as err:
        _confirm(clinic_a, plan)
    assert any("BLOCK" in m for m in err.value.errors["__all__"])
    with pytest.raises(PlanNotBookable):
        bookable_plan(plan, today=TODAY())


def test_only_confirmed_plans_are_bookable_and_windows_are_exposed(clinic_a: ClinicWorld) -> None:
    plan = draft(clinic_a)
    with pytest.raises(PlanNotBookable):
        bookable_plan(plan, today=TODAY())
    acknowledge_all(clinic_a, plan)
    plan = _confirm(clinic_a, plan)
    windows = bookable_plan(plan, today=TODAY())
    assert (windows.count, windows.min_days, windows.max_days) == (4, 28, 35)
    assert windows.first_earliest == plan.first_earliest and windows.areas == ("cheeks", "forehead")
    assert windows.numbing_minutes == 45 and windows.treatment_minutes > 0


def test_an_area_blocked_after_planning_cannot_be_booked(clinic_a: ClinicWorld) -> None:
    plan = confirmed_plan(clinic_a)
    submit(clinic_a, intake_data(skin_state=(SkinStateEntry("cheeks", "infected"),)))
    with pytest.raises(PlanNotBookable) as err:
        bookable_plan(plan, today=TODAY())
    assert err.value.blocked_areas == ("cheeks",)


def test_depth_override_needs_reason_and_hard_limits_are_the_engines(clinic_a: ClinicWorld) -> None:
    plan = draft(clinic_a)
    actor = practitioner(clinic_a)

    def revise(depth: str, reason: str = "") -> None:
        services.revise_plan(
            plan,
            [
                AreaChoice("cheeks", "acne_scars", 3, Decimal(depth), reason),
                AreaChoice("forehead", "fine_lines"),
            ],
            None,
            actor=actor,
            today=TODAY(),
        )

    revise("1.25")  # inside the recommended 1.0–1.5: no reason needed
    assert plan.areas.get(area="cheeks").depth_mm == Decimal("1.25")
    with pytest.raises(services.PlanError) as err:
        revise("1.75")  # above "override above" 1.5: a reason is required
    assert "reason_cheeks" in err.value.errors
    revise("1.75", "Deep rolling scars, tolerated 1.5 well")
    cheeks = plan.areas.get(area="cheeks")
    assert cheeks.depth_mm == Decimal("1.75") and cheeks.override_reason.startswith("Deep rolling")
    assert plan.findings.filter(code="override_accepted").exists()
    with pytest.raises(services.PlanError) as err:
        revise("2.25", "I insist")  # above the cheeks' hard maximum 2.0: refused, not clamped
    assert "hard maximum" in " ".join(err.value.errors["depth_cheeks"])
    assert plan.areas.get(area="cheeks").depth_mm == Decimal("1.75")


def test_series_keeps_the_interval_floor_and_asks_a_reason(clinic_a: ClinicWorld) -> None:
    plan = draft(clinic_a)
    actor = practitioner(clinic_a)
    start = plan.first_earliest
    assert start is not None

    def schedule(sessions: int, lo: int, hi: int, reason: str = "") -> None:
        services.revise_plan(
            plan,
            services.choices_of(plan),
            services.Schedule(sessions, lo, hi, start, start + timedelta(days=14), reason),
            actor=actor,
            today=TODAY(),
        )

    with pytest.raises(services.PlanError) as err:
        schedule(4, 10, 35, "hurry")
    assert "gap_min_days" in err.value.errors
    with pytest.raises(services.PlanError) as err:
        schedule(8, 28, 35)
    assert "schedule_reason" in err.value.errors
    schedule(8, 28, 35, "Severe scarring, client wants more sessions")
    plan.refresh_from_db()
    assert plan.sessions == 8


def test_confirmed_plan_is_frozen_and_a_revision_supersedes_it(clinic_a: ClinicWorld) -> None:
    plan = confirmed_plan(clinic_a)
    plan.notes = "sneaky"
    with pytest.raises(PermissionError):
        plan.save()
    plan.refresh_from_db()
    revision = services.draft_plan(
        plan.intake, device=clinic_a.device, actor=practitioner(clinic_a), today=TODAY(), supersedes=plan
    )
    acknowledge_all(clinic_a, revision)
    _confirm(clinic_a, revision)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUPERSEDED and str(revision.pk) in plan.end_reason


def test_plan_edit_form_bad_input_is_400_and_keeps_values(client, clinic_a: ClinicWorld) -> None:
    plan = draft(clinic_a)
    client.force_login(clinic_a.users[Role.PRACTITIONER])
    response = client.post(
        reverse("plan-edit", kwargs={"plan_pk": plan.pk}),
        {
            "include_cheeks": "on",
            "indication_cheeks": "acne_scars",
            "depth_cheeks": "1.80",
            "reason_cheeks": "",
            "include_forehead": "on",
            "indication_forehead": "fine_lines",
            "sessions": "4",
            "gap_min_days": "28",
            "gap_max_days": "35",
            "first_earliest": plan.first_earliest.isoformat(),
            "first_latest": plan.first_latest.isoformat(),
            "notes": "typed note",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "required: 1.8 mm is outside the recommended" in body
    assert 'value="1.80"' in body and "typed note" in body
    assert plan.areas.get(area="cheeks").depth_mm == Decimal("1.50")


def test_screening_page_acknowledge_and_confirm_through_the_web(client, clinic_a: ClinicWorld) -> None:
    plan = draft(clinic_a, submit(clinic_a, intake_data(conditions=("herpes_simplex_history",))))
    client.force_login(clinic_a.users[Role.PRACTITIONER])
    body = client.get(reverse("plan-detail", kwargs={"plan_pk": plan.pk})).content.decode()
    assert "REQUIRE" in body and "Sources: ALSTER2018, SINGH2016" in body
    response = client.post(reverse("plan-confirm", kwargs={"plan_pk": plan.pk}))
    assert response.status_code == 400 and "Not yet acknowledged" in response.content.decode()
    finding = plan.findings.get(code="herpes_history")
    url = reverse("finding-acknowledge", kwargs={"plan_pk": plan.pk, "finding_pk": finding.pk})
    response = client.post(url, {"note": ""})
    assert response.status_code == 400 and "Record what was done" in response.content.decode()
    assert client.post(url, {"note": "Valaciclovir prescribed"}).status_code == 302
    assert client.post(reverse("plan-confirm", kwargs={"plan_pk": plan.pk})).status_code == 302
    plan.refresh_from_db()
    assert plan.is_confirmed
    client.force_login(clinic_a.users[Role.FRONT_DESK])
    assert (
        client.post(reverse("plan-cancel", kwargs={"plan_pk": plan.pk}), {"reason": "x"}).status_code == 403
    )
