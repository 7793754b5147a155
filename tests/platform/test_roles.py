"""Each route admits exactly the roles it should; anonymous visitors are sent to sign in."""

from __future__ import annotations

import pytest
from django.urls import reverse

from needlepoint.clinic.accounts.models import Role
from tests.conftest import ClinicWorld

OWNER, PRACT, DESK = Role.OWNER.value, Role.PRACTITIONER.value, Role.FRONT_DESK.value
EVERYONE = {OWNER, PRACT, DESK}

ROUTES: dict[str, set[str]] = {
    "dashboard": EVERYONE,
    "messaging-log": EVERYONE,
    "messaging-templates": {OWNER},
    "messaging-settings": {OWNER},
    "reaction-reports": {OWNER, PRACT},
    "adverse-events": {OWNER, PRACT},
    "client-list": EVERYONE,
    "client-create": EVERYONE,
    "client-detail": EVERYONE,
    "client-edit": EVERYONE,
    "clinic-settings": {OWNER},
    "locations-list": {OWNER},
    "locations-create": {OWNER},
    "locations-edit": {OWNER},
    "rooms-list": {OWNER},
    "rooms-create": {OWNER},
    "rooms-edit": {OWNER},
    "devices-list": {OWNER},
    "devices-create": {OWNER},
    "devices-edit": {OWNER},
    "staff-list": {OWNER},
    "staff-create": {OWNER},
    "staff-edit": {OWNER},
    "audit-log": {OWNER},
    "calendar": EVERYONE,
    "waitlist": EVERYONE,
    "booking-policy": {OWNER},
    "appointment-types-list": {OWNER},
    "appointment-types-create": {OWNER},
    "shifts-list": {OWNER},
    "shifts-create": {OWNER},
    "shift-exceptions-list": {OWNER},
    "shift-exceptions-create": {OWNER},
    "time-off-list": {OWNER},
    "time-off-create": {OWNER},
    "my-feed": {OWNER, PRACT},
}
PK_OF = {"client": "client", "locations": "location", "rooms": "room", "devices": "device"}


def _url(name: str, world: ClinicWorld) -> str:
    if name.endswith(("-detail", "-edit")):
        prefix = name.rsplit("-", 1)[0]
        obj = world.memberships[PRACT] if prefix == "staff" else getattr(world, PK_OF[prefix])
        return reverse(name, kwargs={"pk": obj.pk})
    return reverse(name)


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_role_matrix(client, clinic_a: ClinicWorld, name: str) -> None:
    url = _url(name, clinic_a)
    for role in EVERYONE:
        client.force_login(clinic_a.users[role])
        expected = 200 if role in ROUTES[name] else 403
        assert client.get(url).status_code == expected, (name, role)
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_archive_is_owner_only(client, clinic_a: ClinicWorld) -> None:
    url = reverse("client-archive", kwargs={"pk": clinic_a.client.pk})
    for role in (PRACT, DESK):
        client.force_login(clinic_a.users[role])
        assert client.post(url).status_code == 403
    clinic_a.client.refresh_from_db()
    assert not clinic_a.client.is_archived
    client.force_login(clinic_a.users[OWNER])
    assert client.post(url).status_code == 302
    clinic_a.client.refresh_from_db()
    assert clinic_a.client.is_archived


def test_user_without_a_clinic_gets_403(client, db: None) -> None:
    from needlepoint.clinic.accounts.models import User

    client.force_login(User.objects.create_user("drifter@example.com", "x" * 12))
    assert client.get(reverse("client-list")).status_code == 403


def test_deactivated_membership_loses_access(client, clinic_a: ClinicWorld) -> None:
    membership = clinic_a.memberships[PRACT]
    membership.is_active = False
    membership.save()
    client.force_login(clinic_a.users[PRACT])
    assert client.get(reverse("client-list")).status_code == 403
