"""Bad input gets a clear message, a 400, and keeps what was typed; nothing is saved."""

from __future__ import annotations

from django.urls import reverse

from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Location
from tests.conftest import ClinicWorld
from tests.web.setup.hours import week


def test_client_form_errors_keep_input(client, clinic_a: ClinicWorld) -> None:
    client.force_login(clinic_a.users[Role.FRONT_DESK])
    response = client.post(
        reverse("client-create"),
        {
            "first_name": "Grace",
            "last_name": "",
            "date_of_birth": "31/31/1990",
            "email": "not-an-email",
            "fitzpatrick": "9",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "nothing was saved" in body and 'value="Grace"' in body
    assert "Enter a valid date" in body and "Enter a valid email address" in body
    assert "Select a valid choice" in body  # Fitzpatrick 9
    assert not Client.objects.filter(first_name="Grace").exists()


def test_location_rejects_unknown_timezone_and_bad_hours(client, clinic_a: ClinicWorld) -> None:
    client.force_login(clinic_a.users[Role.OWNER])
    response = client.post(
        reverse("locations-create"),
        {"name": "Mars Base", "timezone": "Mars/Olympus", **week(mon=[("17:00", "09:00")])},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "not an IANA time zone" in body and "not after opening" in body
    assert 'value="Mars Base"' in body
    response = client.post(
        reverse("locations-create"),
        {"name": "Mars Base", "timezone": "Europe/Paris", **week(mon=[("9am", "17:00")])},
    )
    assert response.status_code == 400 and "Enter a time like 09:00" in response.content.decode()
    assert not Location.objects.filter(name="Mars Base").exists()


def test_location_saves_valid_hours(client, clinic_a: ClinicWorld) -> None:
    client.force_login(clinic_a.users[Role.OWNER])
    response = client.post(
        reverse("locations-create"),
        {
            "name": "Paris",
            "timezone": "Europe/Paris",
            **week(tue=[("09:00", "13:00"), ("14:00", "18:00")]),
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    saved = Location.objects.get(name="Paris").opening_hours
    assert saved == {"tue": [["09:00", "13:00"], ["14:00", "18:00"]]}


def test_device_depth_limits(client, clinic_a: ClinicWorld) -> None:
    client.force_login(clinic_a.users[Role.OWNER])
    response = client.post(
        reverse("devices-create"),
        {
            "location": clinic_a.location.pk,
            "name": "Too deep",
            "make": "X",
            "model": "Y",
            "kind": "pen",
            "max_depth_mm": "5.00",
        },
    )
    assert response.status_code == 400 and "less than or equal to 3" in response.content.decode()
