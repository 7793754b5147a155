"""The rota by practitioner (setup/rota.py rota_index): each practitioner's week, linked to its
grid, from the set-up tabs, the staff list and the first-run checklist."""

from __future__ import annotations

from datetime import time
from typing import Any

from django.test import Client
from django.urls import reverse

from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.booking.models import WeeklyShift
from tests.conftest import ClinicWorld


def _owner(world: ClinicWorld) -> Client:
    http = Client()
    http.force_login(world.users[Role.OWNER])  # type: ignore[arg-type]
    return http


def test_lists_each_practitioners_week_with_a_link_to_edit_it(
    clinic_a: ClinicWorld, clinic_b: ClinicWorld
) -> None:
    practitioner: Any = clinic_a.memberships[Role.PRACTITIONER]
    http = _owner(clinic_a)
    body = http.get(reverse("rota")).content.decode()
    assert "No shifts yet" in body and reverse("rota-edit", args=[practitioner.pk]) in body
    WeeklyShift.objects.create(
        clinic=clinic_a.clinic, practitioner=practitioner, location=clinic_a.location,
        weekday=3, start=time(9), end=time(17, 30),
    )
    body = http.get(reverse("rota")).content.decode()
    assert "<dt>Thursday</dt><dd>09:00–17:30 at A High Street</dd>" in body
    other: Any = clinic_b.memberships[Role.PRACTITIONER]
    assert reverse("rota-edit", args=[other.pk]) not in body and "B High Street" not in body


def test_reachable_from_the_tabs_the_staff_list_and_the_shift_list(clinic_a: ClinicWorld) -> None:
    practitioner: Any = clinic_a.memberships[Role.PRACTITIONER]
    http = _owner(clinic_a)
    staff = http.get(reverse("staff-list")).content.decode()
    assert reverse("rota-edit", args=[practitioner.pk]) in staff and f'href="{reverse("rota")}"' in staff
    assert f'href="{reverse("rota")}"' in http.get(reverse("shifts-list")).content.decode()


def test_the_first_run_checklist_links_the_rota_step_here(clinic_a: ClinicWorld) -> None:
    from needlepoint.web.dashboard.today import CHECKLIST_LINKS

    assert CHECKLIST_LINKS["rota"] == "rota"
