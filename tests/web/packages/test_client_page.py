"""The client's Packages & membership page: every staff role reads balances; only the till
roles see the sell form, only owners the refund button; the read is audit-logged."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from needlepoint.clinic.audit.models import AccessLog
from tests.clinic.payments.helpers import assert_ledger_consistent
from tests.conftest import ClinicWorld

from .helpers import login, things, url


@pytest.mark.parametrize(
    ("role", "sell", "refund"),
    [("owner", True, True), ("front_desk", True, False), ("practitioner", False, False)],
)
def test_roles_see_balances_and_their_actions(
    client: Any, clinic_a: ClinicWorld, role: str, sell: bool, refund: bool
) -> None:
    t = things(clinic_a)
    login(client, clinic_a, role)
    response = client.get(url("client-packages", t))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Course of 3" in html and "Sessions left" in html and "£540.00" in html
    assert "Instalments due" in html and "Glow" in html and "Months due" in html
    assert ("Sell package" in html) is sell
    assert ("Refund unused sessions" in html) is refund
    assert AccessLog.objects.filter(client=t.client, action="view").exists()
    assert_ledger_consistent(t.client)


def test_the_client_record_links_to_the_page(client: Any, clinic_a: ClinicWorld) -> None:
    login(client, clinic_a, "front_desk")
    html = client.get(reverse("client-detail", kwargs={"pk": clinic_a.client.pk})).content.decode()  # type: ignore[attr-defined]
    assert reverse("client-packages", kwargs={"client_pk": clinic_a.client.pk}) in html  # type: ignore[attr-defined]


def test_missing_client_is_404(client: Any, clinic_a: ClinicWorld) -> None:
    login(client, clinic_a, "owner")
    assert client.get(reverse("client-packages", kwargs={"client_pk": 999999})).status_code == 404


def test_anonymous_is_sent_to_sign_in(client: Any, clinic_a: ClinicWorld) -> None:
    response = client.get(reverse("client-packages", kwargs={"client_pk": clinic_a.client.pk}))  # type: ignore[attr-defined]
    assert response.status_code == 302 and "/account/login/" in response["Location"]
