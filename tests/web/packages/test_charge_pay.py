"""Paying a membership month at the desk: till roles; bad method 400; twice 409."""

from __future__ import annotations

from typing import Any

import pytest

from needlepoint.clinic.payments import ledger
from needlepoint.clinic.payments.models_recurring import MembershipCharge
from tests.clinic.payments.helpers import assert_ledger_consistent
from tests.conftest import ClinicWorld

from .helpers import login, things, url


@pytest.mark.parametrize("role", ["owner", "front_desk"])
def test_month_paid_at_the_desk(client: Any, clinic_a: ClinicWorld, role: str) -> None:
    t = things(clinic_a)
    login(client, clinic_a, role)
    assert client.post(url("membership-charge-pay", t), {"method": "cash"}).status_code == 302
    assert MembershipCharge.objects.get().status == "paid"
    assert ledger.balances(t.client).owed == 54000
    assert client.post(url("membership-charge-pay", t), {"method": "cash"}).status_code == 409
    assert_ledger_consistent(t.client)


def test_practitioner_may_not(client: Any, clinic_a: ClinicWorld) -> None:
    t = things(clinic_a)
    login(client, clinic_a, "practitioner")
    assert client.post(url("membership-charge-pay", t), {"method": "cash"}).status_code == 403


def test_bad_method_is_400(client: Any, clinic_a: ClinicWorld) -> None:
    t = things(clinic_a)
    login(client, clinic_a, "owner")
    assert client.post(url("membership-charge-pay", t), {"method": "iou"}).status_code == 400
    assert MembershipCharge.objects.get().status == "due"
