"""A practitioner's week as a grid (setup/rota.py rota_edit): per weekday a location and times,
up to two shifts a day, saved in one go; mistakes named on the day, the input kept."""

from __future__ import annotations

from datetime import time
from typing import Any

from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse

from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.booking.models import WeeklyShift
from needlepoint.clinic.clinics.models import Location
from tests.conftest import ClinicWorld


def _http(world: ClinicWorld, role: str = Role.OWNER) -> Client:
    http = Client()
    http.force_login(world.users[role])  # type: ignore[arg-type]
    return http


def _url(world: ClinicWorld) -> str:
    return reverse("rota-edit", args=[world.memberships[Role.PRACTITIONER].pk])  # type: ignore[attr-defined]


def _shift(day: int, n: int, location: Any, start: str, end: str) -> dict[str, str]:
    return {f"d{day}_location_{n}": str(location.pk if location else ""), f"d{day}_start_{n}": start,
            f"d{day}_end_{n}": end}


def _rows(world: ClinicWorld) -> list[tuple[int, str, str, str]]:
    return [
        (s.weekday, s.location.name, f"{s.start:%H:%M}", f"{s.end:%H:%M}")
        for s in WeeklyShift.objects.filter(practitioner=world.memberships[Role.PRACTITIONER])
        .select_related("location")
        .order_by("weekday", "start")
    ]


def test_the_grid_shows_the_current_week(clinic_a: ClinicWorld) -> None:
    loc: Any = clinic_a.location
    WeeklyShift.objects.create(
        clinic=clinic_a.clinic, practitioner=clinic_a.memberships[Role.PRACTITIONER], location=loc,
        weekday=2, start=time(10), end=time(16),
    )
    body = _http(clinic_a).get(_url(clinic_a)).content.decode()
    assert "Week of" in body
    assert f'<option value="{loc.pk}" selected>A High Street</option>' in body
    assert 'name="d2_start_1" value="10:00"' in body and 'name="d2_end_1" value="16:00"' in body
    assert body.count('type="time"') == 7 * 2 * 2 and body.count(">Not working</option>") == 14


def test_saves_the_whole_week_and_shows_it(clinic_a: ClinicWorld) -> None:
    loc: Any = clinic_a.location
    soho = Location.objects.create(clinic=clinic_a.clinic, name="Soho", timezone="Europe/London")
    http = _http(clinic_a)
    data = _shift(0, 1, loc, "09:00", "13:00") | _shift(0, 2, soho, "14:00", "18:00")
    data |= _shift(4, 1, soho, "10:00", "16:00")
    response = http.post(_url(clinic_a), data)
    assert response.status_code == 302 and response["Location"] == reverse("rota")
    assert _rows(clinic_a) == [(0, "A High Street", "09:00", "13:00"), (0, "Soho", "14:00", "18:00"),
                               (4, "Soho", "10:00", "16:00")]
    page = http.get(reverse("rota")).content.decode()
    assert "Rota saved for" in page and "3 shifts a week" in page
    assert "09:00–13:00 at A High Street; 14:00–18:00 at Soho" in page
    # The audit trail names the owner who did it.
    entry = LogEntry.objects.filter(content_type__model="weeklyshift").latest("id")
    assert entry.actor == clinic_a.users[Role.OWNER]


def test_overlap_between_locations_is_refused_on_the_day(clinic_a: ClinicWorld) -> None:
    loc: Any = clinic_a.location
    soho = Location.objects.create(clinic=clinic_a.clinic, name="Soho", timezone="Europe/London")
    data = _shift(1, 1, loc, "09:00", "13:00") | _shift(1, 2, soho, "12:00", "17:00")
    response = _http(clinic_a).post(_url(clinic_a), data)
    body = response.content.decode()
    assert response.status_code == 400
    assert ("Tuesday: 09:00–13:00 at A High Street and 12:00–17:00 at Soho overlap: one person cannot "
            "work at two locations at the same time.") in body
    assert body.count('class="week-day rota-day invalid"') == 1
    assert 'name="d1_start_2" value="12:00"' in body  # input kept
    assert f'<option value="{soho.pk}" selected>Soho</option>' in body
    assert _rows(clinic_a) == []


def test_shapes_are_checked_per_field(clinic_a: ClinicWorld) -> None:
    loc: Any = clinic_a.location
    data = (
        _shift(0, 1, loc, "17:00", "09:00")
        | _shift(1, 1, None, "09:00", "12:00")
        | _shift(2, 1, loc, "", "12:00")
        | _shift(3, 1, loc, "09:00", "")
        | _shift(4, 1, loc, "nine", "12:00")
    )
    response = _http(clinic_a).post(_url(clinic_a), data)
    body = response.content.decode()
    assert response.status_code == 400 and "nothing was saved" in body
    assert "Monday: ends at 09:00, which is not after it starts (17:00)" in body
    assert "Tuesday: choose the location, or clear the times." in body
    assert "Wednesday: give the start time too." in body
    assert "Thursday: give the end time too." in body
    assert "Enter a time like 09:00." in body and 'value="nine"' in body
    assert _rows(clinic_a) == []


def test_another_clinics_location_is_not_offered_or_accepted(
    clinic_a: ClinicWorld, clinic_b: ClinicWorld
) -> None:
    http = _http(clinic_a)
    assert "B High Street" not in http.get(_url(clinic_a)).content.decode()
    response = http.post(_url(clinic_a), _shift(0, 1, clinic_b.location, "09:00", "12:00"))
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert _rows(clinic_a) == []


def test_another_clinics_practitioner_is_not_found(clinic_a: ClinicWorld, clinic_b: ClinicWorld) -> None:
    url = reverse("rota-edit", args=[clinic_b.memberships[Role.PRACTITIONER].pk])  # type: ignore[attr-defined]
    http = _http(clinic_a)
    assert http.get(url).status_code == 404
    assert http.post(url, _shift(0, 1, clinic_a.location, "09:00", "12:00")).status_code == 404
    assert not WeeklyShift.objects.exists()


def test_only_practitioners_have_a_rota_page(clinic_a: ClinicWorld) -> None:
    desk = clinic_a.memberships[Role.FRONT_DESK]
    assert _http(clinic_a).get(reverse("rota-edit", args=[desk.pk])).status_code == 404  # type: ignore[attr-defined]


def test_staff_below_owner_are_refused(clinic_a: ClinicWorld) -> None:
    for role in (Role.PRACTITIONER, Role.FRONT_DESK):
        http = _http(clinic_a, role)
        assert http.get(_url(clinic_a)).status_code == 403
        assert http.post(_url(clinic_a), _shift(0, 1, clinic_a.location, "09:00", "12:00")).status_code == 403
    assert _rows(clinic_a) == []
