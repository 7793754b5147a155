"""Registers the package pages' id routes with tests.web.test_isolation and checks them: another
clinic's client, package, instalment, membership, month or plan is 404 for every role, and
nothing of it changes."""

from __future__ import annotations

from typing import Any

import pytest

from needlepoint.clinic.payments.models import ClientPackage, LedgerEntry
from needlepoint.clinic.payments.models_recurring import ClientMembership, Instalment
from tests.conftest import ClinicWorld
from tests.web.test_isolation import EXTRA_ROUTES

from .helpers import ROUTES, login, things, url

EXTRA_ROUTES.update({name: f"packages:{attr}" for name, attr in ROUTES.items()})


@pytest.mark.parametrize("role", ["owner", "front_desk", "practitioner"])
def test_other_clinics_ids_are_404_and_change_nothing(
    client: Any, clinic_a: ClinicWorld, clinic_b: ClinicWorld, role: str
) -> None:
    theirs = things(clinic_b)
    entries = LedgerEntry.objects.count()
    login(client, clinic_a, role)
    for route in ROUTES:
        target = url(route, theirs)
        assert client.get(target).status_code in (403, 404, 405), route
        form = {"method": "cash", "until": "2027-02-01", "override": "on", "plan": theirs.plan.pk}
        assert client.post(target, form).status_code in (403, 404), route
    assert LedgerEntry.objects.count() == entries
    assert ClientPackage.objects.get().status == "active"
    assert Instalment.objects.filter(status="due").count() == 3
    assert ClientMembership.objects.get().status == "active"
