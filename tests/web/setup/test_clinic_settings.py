"""Clinic settings: the currency is chosen from the ISO 4217 list (names shown, common ones
first, a filter box for people with JavaScript); anything else is refused clearly."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.clinics.models import Clinic
from tests.conftest import ClinicWorld


def _owner(world: ClinicWorld) -> Client:
    http = Client()
    http.force_login(world.users[Role.OWNER])  # type: ignore[arg-type]
    return http


def test_currency_is_a_select_of_named_iso_currencies(clinic_a: ClinicWorld) -> None:
    body = _owner(clinic_a).get(reverse("clinic-settings")).content.decode()
    assert '<select name="currency" data-filter="currencies"' in body
    assert '<option value="GBP" selected>GBP — Pound Sterling</option>' in body
    assert '<option value="JPY">JPY — Yen</option>' in body
    assert body.index('<optgroup label="Common">') < body.index('<optgroup label="All currencies">')
    assert "needlepoint/select-filter.js" in body


def test_saves_a_listed_currency_and_refuses_others(clinic_a: ClinicWorld) -> None:
    http = _owner(clinic_a)
    data = {"name": "Clinic A", "locale": "en-GB"}
    response = http.post(reverse("clinic-settings"), data | {"currency": "ZZZ"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "&#x27;ZZZ&#x27; is not an ISO 4217 currency code: choose one from the list." in body
    assert Clinic.objects.get(pk=clinic_a.clinic.pk).currency == "GBP"  # type: ignore[attr-defined]
    assert http.post(reverse("clinic-settings"), data | {"currency": "EUR"}).status_code == 302
    assert Clinic.objects.get(pk=clinic_a.clinic.pk).currency == "EUR"  # type: ignore[attr-defined]
