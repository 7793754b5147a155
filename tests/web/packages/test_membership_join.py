"""Joining a membership plan from the client's page: till roles; one live membership (409);
another clinic's or an unknown plan is 400."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from needlepoint.clinic.payments.models_recurring import ClientMembership, MembershipPlan
from tests.clinic.payments.helpers import assert_ledger_consistent
from tests.conftest import ClinicWorld

from .helpers import login


def _plan(world: ClinicWorld) -> MembershipPlan:
    return MembershipPlan.objects.create(
        clinic=world.clinic, name="Glow", monthly_fee_minor=9900, discount_bp=1000
    )


def _url(world: ClinicWorld) -> str:
    return reverse("membership-join", kwargs={"client_pk": world.client.pk})  # type: ignore[attr-defined]


def test_front_desk_joins_once(client: Any, clinic_a: ClinicWorld) -> None:
    plan = _plan(clinic_a)
    login(client, clinic_a, "front_desk")
    assert client.post(_url(clinic_a), {"plan": plan.pk}).status_code == 302
    assert ClientMembership.objects.get().status == "active"
    again = client.post(_url(clinic_a), {"plan": plan.pk})
    assert again.status_code == 409 and "already has a membership" in again.content.decode()
    assert ClientMembership.objects.count() == 1
    assert_ledger_consistent(clinic_a.client)


def test_practitioner_may_not(client: Any, clinic_a: ClinicWorld) -> None:
    plan = _plan(clinic_a)
    login(client, clinic_a, "practitioner")
    assert client.post(_url(clinic_a), {"plan": plan.pk}).status_code == 403


def test_bad_plan_is_400(client: Any, clinic_a: ClinicWorld, clinic_b: ClinicWorld) -> None:
    theirs = _plan(clinic_b)
    login(client, clinic_a, "owner")
    for value in (theirs.pk, "x", ""):
        assert client.post(_url(clinic_a), {"plan": value}).status_code == 400
    assert not ClientMembership.objects.exists()
