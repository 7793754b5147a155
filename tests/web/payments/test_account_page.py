"""A client's account page and "take a payment on account"."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from needlepoint.clinic.audit.models import AccessLog
from needlepoint.clinic.payments import ledger
from needlepoint.clinic.payments.models import Tender
from tests.clinic.payments.conftest import PayWorld
from tests.clinic.payments.helpers import assert_ledger_consistent
from tests.conftest import ClinicWorld

from .helpers import checked_out

pytestmark = pytest.mark.django_db


def _urls(pw: PayWorld) -> tuple[str, str]:
    pk = pw.client.pk  # type: ignore[attr-defined]
    return reverse("client-account", args=[pk]), reverse("client-account-pay", args=[pk])


def _key(client: Any, url: str) -> str:
    body = client.get(url).content.decode()
    return re.search(r'name="idempotency_key" value="([0-9a-f]+)"', body).group(1)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("role", "form_shown"), [("owner", True), ("front_desk", True), ("practitioner", False)]
)
def test_every_staff_member_sees_balances(client: Any, till: PayWorld, role: str, form_shown: bool) -> None:
    invoice = checked_out(till)  # nothing paid: £235 owed
    page, _ = _urls(till)
    client.force_login(till.world.users[role])
    body = client.get(page).content.decode()
    assert 'data-owed="23500"' in body and invoice.number_text in body
    assert ("Take a payment on account" in body) is form_shown
    assert AccessLog.objects.filter(client=till.client, action="view").exists()


def test_a_payment_on_account_settles_the_balance_once(client: Any, till: PayWorld) -> None:
    checked_out(till)
    page, pay = _urls(till)
    client.force_login(till.world.users["front_desk"])
    data = {
        "idempotency_key": _key(client, page),
        "method": "bank_transfer",
        "amount": "235",
        "reference": "TRX-1",
    }
    assert client.post(pay, data).status_code == 302
    assert client.post(pay, data).status_code == 302  # the same submit again: recorded once
    assert Tender.objects.filter(method="bank_transfer").count() == 1
    assert ledger.balances(till.client).owed == 0  # type: ignore[arg-type]
    assert "Payment recorded." in client.get(page).content.decode()
    assert_ledger_consistent(till.client)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("300", "That is more than is owed."),
        ("0", "A payment must be more than zero."),
        ("x", "not an amount"),
    ],
)
def test_bad_payments_are_refused(client: Any, till: PayWorld, amount: str, message: str) -> None:
    checked_out(till)
    page, pay = _urls(till)
    client.force_login(till.world.users["front_desk"])
    response = client.post(pay, {"idempotency_key": _key(client, page), "method": "cash", "amount": amount})
    assert response.status_code == 400 and message in response.content.decode()
    assert not Tender.objects.exists()
    assert_ledger_consistent(till.client)


def test_practitioners_do_not_take_payments(client: Any, till: PayWorld) -> None:
    checked_out(till)
    _, pay = _urls(till)
    client.force_login(till.world.users["practitioner"])
    assert client.post(pay, {"idempotency_key": "a1", "method": "cash", "amount": "10"}).status_code == 403
    assert not Tender.objects.exists()


def test_another_clinics_account_is_not_found(client: Any, till: PayWorld, clinic_b: ClinicWorld) -> None:
    checked_out(till)
    page, pay = _urls(till)
    client.force_login(clinic_b.users["owner"])
    assert client.get(page).status_code == 404
    assert client.post(pay, {"idempotency_key": "a1", "method": "cash", "amount": "10"}).status_code == 404
    assert not Tender.objects.exists()
