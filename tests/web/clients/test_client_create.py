"""The create form: a possible duplicate is shown with links, nothing is saved, the input is
kept, and "create anyway" must be ticked; the DOB and phone rules show on their fields."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from needlepoint.clinic.clients.models import Client
from tests.conftest import ClinicWorld

FORM = {
    "first_name": "Zelda",
    "last_name": "Twin",
    "date_of_birth": "1991-01-01",
    "email": "zeldaa@example.com",
}


def test_duplicate_warning_then_create_anyway(client: Any, clinic_a: ClinicWorld) -> None:
    client.force_login(clinic_a.users["front_desk"])
    url = reverse("client-create")
    response = client.post(url, FORM)
    assert response.status_code == 409
    page = response.content.decode()
    stored = clinic_a.client.pk  # type: ignore[attr-defined]
    assert "This may be a client you already have" in page
    assert reverse("client-detail", kwargs={"pk": stored}) in page and "same email" in page
    assert 'value="Twin"' in page and 'name="confirm_duplicate"' in page  # input kept, confirmation asked
    assert not Client.objects.filter(last_name="Twin").exists()
    response = client.post(url, {**FORM, "confirm_duplicate": "on"})
    assert response.status_code == 302
    assert Client.objects.filter(last_name="Twin").count() == 1


def test_no_duplicate_no_question(client: Any, clinic_a: ClinicWorld) -> None:
    client.force_login(clinic_a.users["front_desk"])
    response = client.post(
        reverse("client-create"), {**FORM, "email": "new@example.com", "phone": "07700 900777"}
    )
    assert response.status_code == 302
    assert Client.objects.get(last_name="Twin").phone == "+447700900777"


def test_birth_date_and_phone_errors_on_their_fields(client: Any, clinic_a: ClinicWorld) -> None:
    client.force_login(clinic_a.users["owner"])
    response = client.post(
        reverse("client-create"), {**FORM, "email": "", "date_of_birth": "2199-01-01", "phone": "call me"}
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "future" in form.errors["date_of_birth"][0] and "phone" in form.errors
