"""A signed series option is bound to the request it answered, and booking re-checks the plan's
intervals and the appointment type's fit, whoever books (issue 21, finding 1)."""

from __future__ import annotations

from typing import Any

import pytest

from needlepoint import clock
from needlepoint.clinic.booking.models import Appointment, AppointmentType, Series
from tests.api.conftest import Api, token_for
from tests.clinic.booking.conftest import NOW, BookingWorld, make_booking_world
from tests.clinic.journey_helpers import confirmed_plan
from tests.conftest import ClinicWorld


@pytest.fixture
def world(clinic_a: ClinicWorld) -> BookingWorld:
    return make_booking_world(clinic_a)


def _search(api: Api, client_id: int, body: dict[str, Any]) -> dict[str, Any]:
    status, found = api.post(f"/clients/{client_id}/series/search", body)
    assert status == 200 and found["found"], found
    return found["options"][0]


def test_option_from_a_weekly_search_cannot_be_booked_against_a_plan(world: BookingWorld) -> None:
    clinic_a = world.world
    with clock.frozen(NOW):
        plan = confirmed_plan(clinic_a)
        assert plan.gap_min_days is not None and plan.gap_min_days >= 14
        api = Api(token_for(clinic_a, "front_desk"))
        client_id = clinic_a.client.pk  # type: ignore[attr-defined]
        weekly = {
            "appointment_type_id": world.kind.pk,  # type: ignore[attr-defined]
            "sessions": plan.sessions,
            "first_earliest": "2027-01-05",
            "first_latest": "2027-01-08",
            "gap_min_days": 7,
            "gap_max_days": 8,
        }
        option = _search(api, client_id, weekly)
        status, body = api.post(
            f"/clients/{client_id}/series", weekly | {"plan_id": plan.pk, "option": option["token"]}
        )
    assert 400 <= status < 500, body
    assert "search again" in body["error"]["message"].lower()
    assert not Series.objects.exists() and not Appointment.objects.exists()


def test_option_found_for_a_60_minute_type_cannot_be_booked_as_a_90_minute_one(world: BookingWorld) -> None:
    clinic_a = world.world
    long_kind = AppointmentType.objects.create(
        clinic=clinic_a.clinic, name="Long microneedling", device_kind="pen", duration_minutes=90
    )
    api = Api(token_for(clinic_a, "front_desk"))
    client_id = clinic_a.client.pk  # type: ignore[attr-defined]
    search = {
        "appointment_type_id": world.kind.pk,  # type: ignore[attr-defined]
        "sessions": 1,
        "first_earliest": "2027-01-05",
        "first_latest": "2027-01-08",
    }
    with clock.frozen(NOW):
        option = _search(api, client_id, search)
        status, body = api.post(
            f"/clients/{client_id}/series",
            search | {"appointment_type_id": long_kind.pk, "option": option["token"]},
        )
    assert 400 <= status < 500, body
    assert not Appointment.objects.exists()


def test_the_option_books_when_posted_back_with_its_own_request(world: BookingWorld) -> None:
    clinic_a = world.world
    with clock.frozen(NOW):
        plan = confirmed_plan(clinic_a)
        api = Api(token_for(clinic_a, "front_desk"))
        client_id = clinic_a.client.pk  # type: ignore[attr-defined]
        search = {
            "appointment_type_id": world.kind.pk,  # type: ignore[attr-defined]
            "first_earliest": "2027-01-05",
            "first_latest": "2027-01-08",
            "plan_id": plan.pk,
        }
        option = _search(api, client_id, search)
        status, body = api.post(f"/clients/{client_id}/series", search | {"option": option["token"]})
    assert status == 201, body
    assert Series.objects.get().plan_id == plan.pk
