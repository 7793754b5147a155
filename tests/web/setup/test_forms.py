"""Bad input gets a clear message, a 400, and keeps what was typed; nothing is saved."""

from __future__ import annotations

from django.urls import reverse

from needlepoint.clinic.accounts.models import Membership, Role, User
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Location
from tests.conftest import ClinicWorld


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
        {"name": "Mars Base", "timezone": "Mars/Olympus", "opening_hours": '{"mon": [["17:00", "09:00"]]}'},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "not an IANA time zone" in body and "not after opening" in body
    assert 'value="Mars Base"' in body
    response = client.post(
        reverse("locations-create"),
        {"name": "Mars Base", "timezone": "Europe/Paris", "opening_hours": "{mon: oops"},
    )
    assert response.status_code == 400 and "Not valid JSON" in response.content.decode()
    assert not Location.objects.filter(name="Mars Base").exists()


def test_location_saves_valid_hours(client, clinic_a: ClinicWorld) -> None:
    client.force_login(clinic_a.users[Role.OWNER])
    response = client.post(
        reverse("locations-create"),
        {
            "name": "Paris",
            "timezone": "Europe/Paris",
            "opening_hours": '{"tue": [["09:00", "13:00"], ["14:00", "18:00"]]}',
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert Location.objects.get(name="Paris").opening_hours["tue"][1] == ["14:00", "18:00"]


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


def test_owner_adds_staff_new_and_existing(client, clinic_a: ClinicWorld, clinic_b: ClinicWorld) -> None:
    client.force_login(clinic_a.users[Role.OWNER])
    weak = client.post(
        reverse("staff-create"), {"email": "new@example.com", "password": "123", "role": "practitioner"}
    )
    assert weak.status_code == 400 and "too short" in weak.content.decode()
    ok = client.post(
        reverse("staff-create"),
        {
            "email": "new@example.com",
            "password": "a-sturdy-passphrase",
            "role": "practitioner",
            "locations": [clinic_a.location.pk],
        },
    )
    assert ok.status_code == 302
    m = Membership.objects.get(user__email="new@example.com")
    assert m.clinic == clinic_a.clinic and list(m.locations.all()) == [clinic_a.location]
    # A person already working elsewhere joins without a new password.
    joined = client.post(
        reverse("staff-create"), {"email": "practitioner.b@example.com", "role": "front_desk"}
    )
    assert joined.status_code == 302
    assert User.objects.get(email="practitioner.b@example.com").memberships.count() == 2
    dup = client.post(reverse("staff-create"), {"email": "new@example.com", "role": "front_desk"})
    assert dup.status_code == 400 and "already on the staff" in dup.content.decode()
