"""Refunding a package's unused sessions: owners only; a second refund is refused (409)."""

from __future__ import annotations

from typing import Any

import pytest

from needlepoint.clinic.payments import ledger
from needlepoint.clinic.payments.models import ClientPackage
from tests.clinic.payments.helpers import assert_ledger_consistent
from tests.conftest import ClinicWorld

from .helpers import login, things, url


@pytest.mark.parametrize("role", ["front_desk", "practitioner"])
def test_only_owners_refund(client: Any, clinic_a: ClinicWorld, role: str) -> None:
    t = things(clinic_a)
    login(client, clinic_a, role)
    assert client.post(url("package-refund", t)).status_code == 403
    assert ClientPackage.objects.get().status == "active"


def test_owner_refunds_once(client: Any, clinic_a: ClinicWorld) -> None:
    t = things(clinic_a)
    login(client, clinic_a, "owner")
    assert client.post(url("package-refund", t)).status_code == 302
    assert ClientPackage.objects.get().status == "refunded"
    b = ledger.balances(t.client)
    assert b.package_credit == 0 and b.owed == 9900  # nothing was paid on the package; the month is owed
    again = client.post(url("package-refund", t))
    assert again.status_code == 409 and "nothing to refund" in again.content.decode()
    assert_ledger_consistent(t.client)


def test_get_is_not_allowed(client: Any, clinic_a: ClinicWorld) -> None:
    t = things(clinic_a)
    login(client, clinic_a, "owner")
    assert client.get(url("package-refund", t)).status_code == 405
