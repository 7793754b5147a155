"""The single-shift form (Rota → every shift as a list) runs the same one-place-at-a-time rule
as the week grid (clinic/booking/rota.py): a refusal on the form, not an error page."""

from __future__ import annotations

from datetime import time
from typing import Any

from django.test import Client
from django.urls import reverse

from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.booking.models import WeeklyShift
from needlepoint.clinic.clinics.models import Location
from tests.conftest import ClinicWorld


def test_an_overlapping_shift_is_refused_on_the_form(clinic_a: ClinicWorld) -> None:
    practitioner: Any = clinic_a.memberships[Role.PRACTITIONER]
    existing = WeeklyShift.objects.create(
        clinic=clinic_a.clinic, practitioner=practitioner, location=clinic_a.location,
        weekday=0, start=time(9), end=time(13),
    )
    new_york = Location.objects.create(
        clinic=clinic_a.clinic, name="Fifth Avenue", timezone="America/New_York"
    )
    http = Client()
    http.force_login(clinic_a.users[Role.OWNER])  # type: ignore[arg-type]
    data = {"practitioner": practitioner.pk, "location": new_york.pk, "weekday": "0"}
    response = http.post(reverse("shifts-create"), data | {"start": "07:00", "end": "10:00"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "Monday 09:00–13:00 at A High Street (Europe/London) and Monday 07:00–10:00 at Fifth" in body
    assert 'value="07:00"' in body
    assert WeeklyShift.objects.count() == 1
    # Editing a shift is checked against the others, not against itself.
    edit = reverse("shifts-edit", args=[existing.pk])
    data["location"] = clinic_a.location.pk  # type: ignore[attr-defined]
    assert http.post(edit, data | {"start": "10:00", "end": "14:00"}).status_code == 302
    # 14:00 in London is 09:00 in New York in winter and summer, but 10:00 in the weeks when
    # only the US has changed its clocks: a New York shift from 09:00 would overlap then.
    at_nine = {"location": new_york.pk, "start": "09:00", "end": "11:00"}
    assert http.post(reverse("shifts-create"), data | at_nine).status_code == 400
    at_ten = {"location": new_york.pk, "start": "10:00", "end": "12:00"}  # back to back at worst
    assert http.post(reverse("shifts-create"), data | at_ten).status_code == 302
    assert WeeklyShift.objects.count() == 2
