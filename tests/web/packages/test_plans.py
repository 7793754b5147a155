"""The owner's membership plans at /settings/memberships/: owners only; bad input 400."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from needlepoint.clinic.payments.models_recurring import MembershipPlan
from tests.conftest import ClinicWorld

from .helpers import login

URL = "/settings/memberships/"
GOOD = {"name": "Glow", "monthly_fee": "99.00", "included_credits": "1", "discount_percent": "10",
        "min_term_months": "3", "is_active": "on"}  # fmt: skip


def test_owner_defines_and_edits_a_plan(client: Any, clinic_a: ClinicWorld) -> None:
    assert reverse("membership-plans") == URL
    login(client, clinic_a, "owner")
    assert client.get(URL).status_code == 200
    assert client.post(URL, GOOD).status_code == 302
    plan = MembershipPlan.objects.get()
    assert (plan.monthly_fee_minor, plan.discount_bp, plan.included_credits) == (9900, 1000, 1)
    edit = reverse("membership-plan-edit", kwargs={"pk": plan.pk})
    assert "99.00" in client.get(edit).content.decode()
    assert client.post(edit, {**GOOD, "monthly_fee": "120"}).status_code == 302
    assert MembershipPlan.objects.get().monthly_fee_minor == 12000
    assert "Glow" in client.get(URL).content.decode()


@pytest.mark.parametrize("role", ["front_desk", "practitioner"])
def test_other_roles_are_403(client: Any, clinic_a: ClinicWorld, role: str) -> None:
    login(client, clinic_a, role)
    assert client.get(URL).status_code == 403
    assert client.post(URL, GOOD).status_code == 403
    assert not MembershipPlan.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"monthly_fee": "-5"}, "more than zero"),
        ({"monthly_fee": "abc"}, "not an amount"),
        ({"monthly_fee": "9.999"}, "decimal places"),
        ({"included_credits": "0", "discount_percent": "0"}, "included sessions, a discount"),
        ({"discount_percent": "150"}, "less than or equal to 100"),
        ({"name": ""}, "required"),
    ],
)
def test_bad_input_is_400(client: Any, clinic_a: ClinicWorld, change: dict, message: str) -> None:
    login(client, clinic_a, "owner")
    response = client.post(URL, {**GOOD, **change})
    assert response.status_code == 400 and message in response.content.decode()
    assert not MembershipPlan.objects.exists()


def test_duplicate_name_is_400(client: Any, clinic_a: ClinicWorld) -> None:
    login(client, clinic_a, "owner")
    client.post(URL, GOOD)
    assert client.post(URL, GOOD).status_code == 400
    assert MembershipPlan.objects.count() == 1


def test_another_clinics_plan_is_404(client: Any, clinic_a: ClinicWorld, clinic_b: ClinicWorld) -> None:
    theirs = MembershipPlan.objects.create(
        clinic=clinic_b.clinic, name="X", monthly_fee_minor=1, discount_bp=5
    )
    login(client, clinic_a, "owner")
    edit = reverse("membership-plan-edit", kwargs={"pk": theirs.pk})
    assert client.get(edit).status_code == 404
    assert client.post(edit, GOOD).status_code == 404
    assert MembershipPlan.objects.get(pk=theirs.pk).name == "X"
