"""Changing a member: a clinic always keeps an active owner; names are one clean line
(issue 21, finding 11)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from needlepoint import clock
from needlepoint.clinic import staff
from needlepoint.clinic.accounts.models import Membership, Role
from needlepoint.clinic.errors import Conflict
from tests.conftest import ClinicWorld


def _form(m: Any, **changes: Any) -> dict[str, Any]:
    data = {"role": m.role, "display_name": m.display_name, "is_active": "on" if m.is_active else ""}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _owner_client(world: ClinicWorld) -> Client:
    client = Client()
    client.force_login(world.users[Role.OWNER])  # type: ignore[arg-type]
    return client


@pytest.mark.parametrize("change", [{"role": "practitioner"}, {"is_active": None}])
def test_the_only_owner_cannot_demote_or_deactivate_themselves(clinic_a: ClinicWorld, change: dict) -> None:
    owner = clinic_a.memberships[Role.OWNER]
    response = _owner_client(clinic_a).post(reverse("staff-edit", args=[owner.pk]), _form(owner, **change))  # type: ignore[attr-defined]
    assert response.status_code == 400
    assert "must keep an active owner" in response.content.decode()
    owner.refresh_from_db()  # type: ignore[attr-defined]
    assert owner.role == Role.OWNER and owner.is_active  # type: ignore[attr-defined]


def test_with_a_second_owner_the_first_may_step_down(clinic_a: ClinicWorld) -> None:
    second = clinic_a.memberships[Role.PRACTITIONER]
    owner = clinic_a.memberships[Role.OWNER]
    client = _owner_client(clinic_a)
    assert (
        client.post(reverse("staff-edit", args=[second.pk]), _form(second, role="owner")).status_code == 302
    )  # type: ignore[attr-defined]
    assert (
        client.post(reverse("staff-edit", args=[owner.pk]), _form(owner, role="front_desk")).status_code
        == 302
    )  # type: ignore[attr-defined]
    # …and now the second is the only one: they cannot be demoted (by anyone, themselves included).
    with pytest.raises(Conflict):
        staff.update_membership(
            Membership.objects.get(pk=second.pk),  # type: ignore[attr-defined]
            Membership.objects.get(pk=second.pk),  # type: ignore[attr-defined]
            role="practitioner",
            display_name="",
            is_active=True,
            locations=[],
            now=clock.now(),
        )


def test_an_inactive_owner_does_not_count(clinic_a: ClinicWorld) -> None:
    owner = clinic_a.memberships[Role.OWNER]
    Membership.objects.filter(pk=clinic_a.memberships[Role.PRACTITIONER].pk).update(  # type: ignore[attr-defined]
        role=Role.OWNER, is_active=False
    )
    response = _owner_client(clinic_a).post(
        reverse("staff-edit", args=[owner.pk]), _form(owner, role="practitioner")
    )  # type: ignore[attr-defined]
    assert response.status_code == 400 and "must keep an active owner" in response.content.decode()


@pytest.mark.parametrize("name", ["Dr\r\nBcc: someone@example.com", "Tab\there", "Bell\x07", "Line\u2028sep"])
def test_staff_names_refuse_line_breaks_and_control_characters(clinic_a: ClinicWorld, name: str) -> None:
    desk = clinic_a.memberships[Role.FRONT_DESK]
    response = _owner_client(clinic_a).post(
        reverse("staff-edit", args=[desk.pk]), _form(desk, display_name=name)
    )  # type: ignore[attr-defined]
    assert response.status_code == 400 and "line breaks" in response.content.decode()
    desk.refresh_from_db()  # type: ignore[attr-defined]
    assert desk.display_name == ""  # type: ignore[attr-defined]


def test_whitespace_only_name_is_refused_by_the_service(clinic_a: ClinicWorld) -> None:
    desk = clinic_a.memberships[Role.FRONT_DESK]
    with pytest.raises(Exception, match="only spaces"):
        staff.update_membership(
            clinic_a.memberships[Role.OWNER],  # type: ignore[arg-type]
            desk,  # type: ignore[arg-type]
            role="front_desk",
            display_name="   ",
            is_active=True,
            locations=[],
            now=clock.now(),
        )


def test_owner_edits_a_member(clinic_a: ClinicWorld, clinic_b: ClinicWorld) -> None:
    desk = clinic_a.memberships[Role.FRONT_DESK]
    client = _owner_client(clinic_a)
    ok = client.post(
        reverse("staff-edit", args=[desk.pk]),  # type: ignore[attr-defined]
        _form(desk, display_name="  Sam at the desk ", locations=[clinic_a.location.pk]),  # type: ignore[attr-defined]
    )
    assert ok.status_code == 302
    desk.refresh_from_db()  # type: ignore[attr-defined]
    assert desk.display_name == "Sam at the desk" and list(desk.locations.all()) == [clinic_a.location]  # type: ignore[attr-defined]
    sneaky = client.post(
        reverse("staff-edit", args=[desk.pk]),
        _form(desk, locations=[clinic_b.location.pk]),  # type: ignore[attr-defined]
    )
    assert sneaky.status_code == 400
