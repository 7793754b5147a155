"""Sides from the intake to the plan: a state on one side splits a paired area, the plan form
shows each side with its own depth, the quote prices a side at half the area, and bad sides
are refused with a clear message."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from needlepoint.api.routers.plans import plan_out
from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.intake.models import Intake
from needlepoint.clinic.intake.services import IntakeInvalid
from needlepoint.clinic.plans.models import PlanArea
from needlepoint.clinic.pricing.models import AreaPrice, PriceList
from needlepoint.clinic.pricing.services import quote_for_plan
from tests.clinic.journey_helpers import AreaEntry, SkinStateEntry, draft, intake_data, submit
from tests.conftest import ClinicWorld


def test_the_intake_form_takes_a_side_per_area_and_per_state(client, clinic_a: ClinicWorld) -> None:
    client.force_login(clinic_a.users[Role.FRONT_DESK])
    url = reverse("intake-create", kwargs={"client_pk": clinic_a.client.pk})
    body = client.get(url).content.decode()
    assert 'name="side_cheeks"' in body and 'name="side_forehead"' not in body  # only paired areas
    assert '<option value="cheeks.left">Cheeks (left)</option>' in body  # "where" of a skin state
    response = client.post(url, {
        "fitzpatrick": "3",
        "area_cheeks": "acne_scars", "grade_cheeks": "3",
        "area_jawline": "acne_scars", "side_jawline": "right",
        "state_0_where": "cheeks.left", "state_0_code": "active_acne",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    intake = Intake.objects.get()
    assert [a["area"] for a in intake.areas] == ["cheeks", "jawline.right"]
    assert list(intake.skin_state) == ["cheeks.left"]
    # A new version starts from what was stored, side included (for clinical staff).
    client.force_login(clinic_a.users[Role.PRACTITIONER])
    again = client.get(url).content.decode()
    assert '<option value="right" selected>Right side only</option>' in again


def test_a_plan_keeps_the_side_that_can_be_treated(client, clinic_a: ClinicWorld) -> None:
    intake = submit(clinic_a, intake_data(
        areas=(AreaEntry("cheeks", "acne_scars", 3), AreaEntry("forehead", "fine_lines")),
        skin_state=(SkinStateEntry("cheeks.left", "inflamed"),),
    ))
    plan = draft(clinic_a, intake)
    rows = list(PlanArea.objects.filter(plan=plan).order_by("position").values_list("area", "area_name"))
    assert rows == [("cheeks.right", "Cheeks (right)"), ("forehead", "Forehead")]
    assert [r["area"] for r in plan.engine_plan["removed_areas"]] == ["cheeks.left"]
    assert plan.findings.get(code="inflamed_area").area_name == "Cheeks (left)"
    api = plan_out(plan, clinic_a.memberships[Role.PRACTITIONER])  # type: ignore[arg-type]
    assert [(a["area"], a["side"]) for a in api["areas"]] == [("cheeks.right", "right"), ("forehead", None)]

    client.force_login(clinic_a.users[Role.PRACTITIONER])
    body = client.get(reverse("plan-edit", kwargs={"plan_pk": plan.pk})).content.decode()
    assert "Cheeks (left)" in body and "Cheeks (right)" in body and 'name="depth_cheeks.right"' in body

    prices = PriceList.objects.create(clinic=clinic_a.clinic)
    for area, price in (("cheeks", "150"), ("forehead", "90")):
        AreaPrice.objects.create(
            clinic=clinic_a.clinic, price_list=prices, area=area, per_session=Decimal(price)
        )
    plan.sessions = 4
    plan.save()
    quote = quote_for_plan(plan)
    assert {(line.area, line.per_session) for line in quote.lines} == {
        ("cheeks.right", Decimal("75.00")), ("forehead", Decimal("90.00"))}


@pytest.mark.parametrize(
    ("data", "key", "message"),
    [
        (intake_data(areas=(AreaEntry("forehead.left", "fine_lines"),)), "areas", "Forehead has no left"),
        (intake_data(areas=(AreaEntry("cheeks.up", "texture_pores"),)), "areas", "Unknown side 'up'"),
        (intake_data(areas=(AreaEntry("cheeks", "texture_pores"), AreaEntry("cheeks.left", "acne_scars", 2))),
         "area_cheeks", "Choose one concern per area (or per side)."),
        (intake_data(skin_state=(SkinStateEntry("nose.right", "sunburn"),)), "state_0_where", "Nose has no"),
    ],
)
def test_bad_sides_are_refused(clinic_a: ClinicWorld, data: object, key: str, message: str) -> None:
    with pytest.raises(IntakeInvalid) as err:
        submit(clinic_a, data)  # type: ignore[arg-type]
    assert any(message in m for m in err.value.errors[key]), err.value.errors
    assert not Intake.objects.exists()


def test_the_plan_form_splits_an_area_into_sides_with_their_own_depths(client, clinic_a: ClinicWorld) -> None:
    plan = draft(clinic_a)  # cheeks (grade 3) and forehead, no difference between the sides
    client.force_login(clinic_a.users[Role.PRACTITIONER])
    url = reverse("plan-edit", kwargs={"plan_pk": plan.pk})
    assert 'name="split_cheeks"' in client.get(url).content.decode()
    schedule = {
        "sessions": "4", "gap_min_days": "28", "gap_max_days": "35",
        "first_earliest": plan.first_earliest.isoformat(), "first_latest": plan.first_latest.isoformat(),
    }
    common = {"include_forehead": "on", "indication_forehead": "fine_lines", **schedule}
    response = client.post(url, {"include_cheeks": "on", "indication_cheeks": "acne_scars",
                                 "split_cheeks": "on", **common})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(plan.areas.order_by("position").values_list("area", flat=True)) == [
        "cheeks.left", "cheeks.right", "forehead"]
    body = client.get(url).content.decode()
    assert 'name="depth_cheeks.left"' in body and 'name="split_cheeks"' not in body  # now a row per side
    response = client.post(url, {
        "include_cheeks.left": "on", "indication_cheeks.left": "acne_scars", "depth_cheeks.left": "1.75",
        "reason_cheeks.left": "Deeper rolling scars on this side",
        "include_cheeks.right": "on", "indication_cheeks.right": "acne_scars", **common,
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    depths = dict(plan.areas.values_list("area", "depth_mm"))
    assert depths == {
        "cheeks.left": Decimal("1.75"), "cheeks.right": Decimal("1.50"), "forehead": Decimal("0.50")}
