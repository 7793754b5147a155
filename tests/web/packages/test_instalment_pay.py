"""Paying an instalment at the desk: till roles; a bad method is 400, paying twice 409."""

from __future__ import annotations

from typing import Any

import pytest

from needlepoint.clinic.payments import ledger
from needlepoint.clinic.payments.models_recurring import Instalment
from tests.clinic.payments.helpers import assert_ledger_consistent
from tests.conftest import ClinicWorld

from .helpers import login, things, url


@pytest.mark.parametrize("role", ["owner", "front_desk"])
def test_paid_at_the_desk(client: Any, clinic_a: ClinicWorld, role: str) -> None:
    t = things(clinic_a)
    login(client, clinic_a, role)
    assert client.post(url("instalment-pay", t), {"method": "card_terminal"}).status_code == 302
    assert Instalment.objects.get(pk=t.instalment.pk).status == "paid"
    assert ledger.balances(t.client).owed == 54000 - 18000 + 9900
    again = client.post(url("instalment-pay", t), {"method": "cash"})
    assert again.status_code == 409
    assert_ledger_consistent(t.client)


def test_practitioner_may_not(client: Any, clinic_a: ClinicWorld) -> None:
    t = things(clinic_a)
    login(client, clinic_a, "practitioner")
    assert client.post(url("instalment-pay", t), {"method": "cash"}).status_code == 403


@pytest.mark.parametrize("method", ["", "stripe", "credit"])
def test_bad_method_is_400(client: Any, clinic_a: ClinicWorld, method: str) -> None:
    t = things(clinic_a)
    login(client, clinic_a, "owner")
    assert client.post(url("instalment-pay", t), {"method": method}).status_code == 400
    assert Instalment.objects.get(pk=t.instalment.pk).status == "due"
