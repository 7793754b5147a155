"""Selling a package from the client's page: front desk and owners; bad input is a 400 with
the form's errors and sells nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from needlepoint.clinic.payments import ledger
from needlepoint.clinic.payments.models import ClientPackage, Invoice
from tests.clinic.payments.helpers import assert_ledger_consistent
from tests.clinic.payments.package_fake import price_list
from tests.conftest import ClinicWorld

from .helpers import login


def _url(world: ClinicWorld) -> str:
    return reverse("package-sell", kwargs={"client_pk": world.client.pk})  # type: ignore[attr-defined]


@pytest.mark.parametrize("role", ["owner", "front_desk"])
def test_sold_up_front_in_cash(client: Any, clinic_a: ClinicWorld, role: str) -> None:
    course = price_list(clinic_a.clinic)
    login(client, clinic_a, role)
    form = {"package": course.pk, "areas": "face, neck", "instalments": "0", "method": "cash"}
    response = client.post(_url(clinic_a), form)
    assert response.status_code == 302
    cp = ClientPackage.objects.get()
    assert (cp.areas, cp.price_minor) == ("face neck", 81000)  # (200 + 100) × 3 less 10 %
    assert ledger.balances(clinic_a.client).owed == 0  # type: ignore[arg-type]
    assert_ledger_consistent(clinic_a.client)


def test_sold_in_instalments_with_nothing_paid_now(client: Any, clinic_a: ClinicWorld) -> None:
    course = price_list(clinic_a.clinic)
    login(client, clinic_a, "front_desk")
    form = {"package": course.pk, "areas": "face", "instalments": "3", "method": "none"}
    assert client.post(_url(clinic_a), form).status_code == 302
    assert ledger.balances(clinic_a.client).owed == 54000  # type: ignore[arg-type]
    assert_ledger_consistent(clinic_a.client)


def test_practitioner_may_not_sell(client: Any, clinic_a: ClinicWorld) -> None:
    course = price_list(clinic_a.clinic)
    login(client, clinic_a, "practitioner")
    form = {"package": course.pk, "areas": "face", "instalments": "0", "method": "cash"}
    assert client.post(_url(clinic_a), form).status_code == 403
    assert not ClientPackage.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"areas": "chin"}, "no price for chin"),
        ({"instalments": "1"}, "2 to 12"),
        ({"instalments": "40"}, "less than or equal to 12"),
        ({"method": "none"}, "paid now"),
        ({"method": "cheque"}, "valid choice"),
        ({"package": "999999"}, "valid choice"),
        ({"areas": ""}, "required"),
    ],
)
def test_bad_input_is_400_and_sells_nothing(
    client: Any, clinic_a: ClinicWorld, change: dict, message: str
) -> None:
    course = price_list(clinic_a.clinic)
    login(client, clinic_a, "owner")
    form = {"package": course.pk, "areas": "face", "instalments": "0", "method": "cash", **change}
    response = client.post(_url(clinic_a), form)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ClientPackage.objects.exists() and not Invoice.objects.exists()


def test_another_clinics_package_cannot_be_sold_here(
    client: Any, clinic_a: ClinicWorld, clinic_b: ClinicWorld
) -> None:
    theirs = price_list(clinic_b.clinic)
    login(client, clinic_a, "owner")
    form = {"package": theirs.pk, "areas": "face", "instalments": "0", "method": "cash"}
    assert client.post(_url(clinic_a), form).status_code == 400  # not offered in the choice
    assert not ClientPackage.objects.exists()


def test_get_is_not_allowed(client: Any, clinic_a: ClinicWorld) -> None:
    login(client, clinic_a, "owner")
    assert client.get(_url(clinic_a)).status_code == 405
