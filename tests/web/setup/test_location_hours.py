"""The location form: opening hours as a week of time inputs, the time zone as a select of every
IANA zone. Stored as before ({"mon": [["09:00", "17:00"]]}); bad input gets a message on the
field at fault and keeps what was typed."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.clinics.models import Location
from tests.conftest import ClinicWorld
from tests.web.setup.hours import week


def _owner(world: ClinicWorld) -> Client:
    http = Client()
    http.force_login(world.users[Role.OWNER])  # type: ignore[arg-type]
    return http


def _post(world: ClinicWorld, data: dict[str, Any], pk: int | None = None) -> tuple[int, str]:
    url = reverse("locations-edit", args=[pk]) if pk else reverse("locations-create")
    response = _owner(world).post(url, {"name": "Paris", "timezone": "Europe/Paris", **data})
    return response.status_code, response.content.decode()


def test_new_location_starts_with_weekdays_nine_to_five(clinic_a: ClinicWorld) -> None:
    body = _owner(clinic_a).get(reverse("locations-create")).content.decode()
    assert "opening_hours" not in body and "<textarea" not in body  # no JSON to type
    assert 'name="hours_mon_open_1" value="09:00"' in body
    assert 'name="hours_fri_close_1" value="17:00"' in body
    assert 'name="hours_sat_closed" id="id_hours_sat_closed" checked' in body
    assert body.count('type="time"') == 7 * 2 * 2
    # Every zone is offered, common ones first, with a filter script for people with JavaScript.
    assert '<select name="timezone" data-filter="time zones"' in body
    assert body.index('<optgroup label="Common">') < body.index('<optgroup label="Africa">')
    assert '<option value="Pacific/Chatham">Pacific/Chatham</option>' in body
    assert '<option value="America/Argentina/Buenos_Aires">America/Argentina/Buenos Aires</option>' in body
    assert "needlepoint/select-filter.js" in body


def test_saves_the_grid_in_the_stored_format(clinic_a: ClinicWorld) -> None:
    status, _ = _post(
        clinic_a,
        week(
            mon=[("09:00", "17:00")],
            tue=[("14:00", "18:00"), ("09:00", "13:00")],  # out of order: sorted
            sat=[("10:00", "14:00")],
        ),
    )
    assert status == 302
    assert Location.objects.get(name="Paris").opening_hours == {
        "mon": [["09:00", "17:00"]],
        "tue": [["09:00", "13:00"], ["14:00", "18:00"]],
        "sat": [["10:00", "14:00"]],
    }


def test_closed_wins_over_times_left_in_the_boxes(clinic_a: ClinicWorld) -> None:
    data = week(mon=[("09:00", "17:00")]) | {"hours_mon_closed": "on"}
    assert _post(clinic_a, data)[0] == 302
    assert Location.objects.get(name="Paris").opening_hours == {}


def test_each_mistake_is_named_on_its_field_and_the_input_is_kept(clinic_a: ClinicWorld) -> None:
    data = week(
        mon=[("17:00", "09:00")],
        tue=[("09:00", "13:00"), ("12:00", "18:00")],
        wed=[("09:00", "")],
        thu=[("", "13:00")],
        fri=[("9 o'clock", "17:00")],
    )
    data.pop("hours_sat_closed")  # neither closed nor open
    status, body = _post(clinic_a, data)
    assert status == 400
    assert "nothing was saved" in body
    assert "Monday: closing time 09:00 is not after opening 17:00." in body
    assert "Tuesday: 12:00–18:00 overlaps 09:00–13:00." in body
    assert "Wednesday: give the closing time too, or clear 09:00." in body
    assert "Thursday: give the opening time too, or clear 13:00." in body
    assert "Enter a time like 09:00." in body
    assert "Saturday: give the opening hours, or tick Closed." in body
    # What was typed comes back, including the wrong parts.
    assert 'name="hours_mon_open_1" value="17:00"' in body
    assert 'name="hours_tue_open_2" value="12:00"' in body
    assert "value=\"9 o&#x27;clock\"" in body
    assert 'value="Paris"' in body
    assert body.count('class="week-day invalid"') == 6  # Monday to Saturday; Sunday is fine
    assert not Location.objects.filter(name="Paris").exists()


def test_editing_shows_the_saved_hours_and_keeps_a_third_range(clinic_a: ClinicWorld) -> None:
    loc: Any = clinic_a.location
    loc.opening_hours = {"wed": [["08:00", "10:00"], ["11:00", "13:00"], ["15:00", "19:00"]]}
    loc.save()
    body = _owner(clinic_a).get(reverse("locations-edit", args=[loc.pk])).content.decode()
    assert 'name="hours_wed_open_3" value="15:00"' in body  # a third pair of inputs, for this location
    assert 'name="hours_mon_closed" id="id_hours_mon_closed" checked' in body
    assert '<option value="Europe/London" selected>Europe/London</option>' in body
    data = week(wed=[("08:00", "10:00"), ("11:00", "13:00"), ("15:00", "19:00")])
    status, _ = _post(clinic_a, {**data, "name": loc.name, "timezone": "Europe/London"}, pk=loc.pk)
    assert status == 302
    loc.refresh_from_db()
    assert loc.opening_hours["wed"][2] == ["15:00", "19:00"]


def test_unknown_time_zone_is_refused_with_a_clear_message(clinic_a: ClinicWorld) -> None:
    status, body = _post(clinic_a, {**week(), "timezone": "Europe/Atlantis"})
    assert status == 400
    assert "&#x27;Europe/Atlantis&#x27; is not an IANA time zone (e.g. Europe/London)." in body


def test_a_zone_saved_before_the_select_stays_selectable(clinic_a: ClinicWorld) -> None:
    loc: Any = clinic_a.location
    Location.objects.filter(pk=loc.pk).update(timezone="localtime")  # valid then, not offered now
    body = _owner(clinic_a).get(reverse("locations-edit", args=[loc.pk])).content.decode()
    assert '<optgroup label="Current">' in body and '<option value="localtime" selected>' in body


def test_another_clinics_location_is_not_found(clinic_a: ClinicWorld, clinic_b: ClinicWorld) -> None:
    url = reverse("locations-edit", args=[clinic_b.location.pk])  # type: ignore[attr-defined]
    assert _owner(clinic_a).get(url).status_code == 404
    assert _owner(clinic_a).post(url, {"name": "Hacked", "timezone": "UTC", **week()}).status_code == 404
