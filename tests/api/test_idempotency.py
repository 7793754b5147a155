"""Idempotency-Key on the API's booking writes: a retry never books twice (issue 21)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from needlepoint import clock
from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.idempotency.models import IdempotencyKey
from tests.api.conftest import token_for
from tests.clinic.booking.conftest import NOW, BookingWorld, make_booking_world
from tests.conftest import ClinicWorld


class KeyedApi:
    def __init__(self, token: str) -> None:
        self.client = Client()
        self.token = token

    def post(self, path: str, body: dict[str, Any], key: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        return self.client.post(
            f"/api{path}", json.dumps(body), content_type="application/json", headers=headers
        )


@pytest.fixture
def world(clinic_a: ClinicWorld) -> BookingWorld:
    return make_booking_world(clinic_a)


def _single(world: BookingWorld, start: str = "2027-01-05T10:00:00Z") -> tuple[str, dict[str, Any]]:
    client_id = world.world.client.pk  # type: ignore[attr-defined]
    return f"/clients/{client_id}/appointments", {"appointment_type_id": world.kind.pk, "start": start}  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _now() -> Any:
    with clock.frozen(NOW):
        yield


def test_a_retry_with_the_same_key_returns_the_first_response_and_books_once(world: BookingWorld) -> None:
    api = KeyedApi(token_for(world.world, "front_desk"))
    path, body = _single(world)
    first = api.post(path, body, key="k-1")
    assert first.status_code == 201, first.content
    again = api.post(path, body, key="k-1")
    assert again.status_code == 201 and again.content == first.content
    assert again["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert Appointment.objects.count() == 1
    # Without the key the same request is a new booking attempt: the slot is taken now.
    assert api.post(path, body).status_code == 409


def test_the_same_key_with_another_body_is_refused(world: BookingWorld) -> None:
    api = KeyedApi(token_for(world.world, "front_desk"))
    path, body = _single(world)
    assert api.post(path, body, key="k-2").status_code == 201
    other = api.post(path, body | {"start": "2027-01-06T10:00:00Z"}, key="k-2")
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert "different request" in other.json()["error"]["message"]
    assert Appointment.objects.count() == 1


def test_keys_belong_to_their_token(world: BookingWorld) -> None:
    path, body = _single(world)
    mine, theirs = (KeyedApi(token_for(world.world, role)) for role in ("front_desk", "owner"))
    assert mine.post(path, body, key="shared").status_code == 201
    # Another token's same key is not a replay: its request is tried, and the slot is taken.
    response = theirs.post(path, body, key="shared")
    assert response.status_code == 409 and not response.has_header("Idempotent-Replayed")
    assert IdempotencyKey.objects.filter(key="shared").count() == 1


def test_a_refused_request_is_not_stored_so_its_retry_is_tried_again(world: BookingWorld) -> None:
    api = KeyedApi(token_for(world.world, "front_desk"))
    path, body = _single(world)
    blocker = api.post(path, body)
    assert blocker.status_code == 201
    assert api.post(path, body, key="k-3").status_code == 409  # taken: refused, not stored
    assert not IdempotencyKey.objects.filter(key="k-3").exists()
    cancelled = api.post(f"/appointments/{blocker.json()['id']}/cancel", {"reason": "moved"})
    assert cancelled.status_code == 200
    assert api.post(path, body, key="k-3").status_code == 201


def test_keys_expire_after_24_hours(world: BookingWorld) -> None:
    api = KeyedApi(token_for(world.world, "front_desk"))
    path, body = _single(world)
    assert api.post(path, body, key="k-4").status_code == 201
    with clock.frozen(NOW + timedelta(hours=24, seconds=1)):
        # Expired: a new request may use the key again.
        later = api.post(path, body | {"start": "2027-01-07T10:00:00Z"}, key="k-4")
    assert later.status_code == 201, later.content
    assert Appointment.objects.count() == 2


def test_cancel_retried_with_its_key_is_replayed_not_refused(world: BookingWorld) -> None:
    api = KeyedApi(token_for(world.world, "front_desk"))
    path, body = _single(world)
    appt = api.post(path, body).json()
    first = api.post(f"/appointments/{appt['id']}/cancel", {"reason": "ill"}, key="c-1")
    again = api.post(f"/appointments/{appt['id']}/cancel", {"reason": "ill"}, key="c-1")
    assert first.status_code == again.status_code == 200 and again.content == first.content
    assert api.post(f"/appointments/{appt['id']}/cancel", {"reason": "ill"}).status_code == 400


@pytest.mark.parametrize("key", ["", "x" * 256, "has space", "ctl\x7f"])
def test_malformed_keys_are_refused(world: BookingWorld, key: str) -> None:
    api = KeyedApi(token_for(world.world, "front_desk"))
    path, body = _single(world)
    response = api.post(path, body, key=key)
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_idempotency_key"
    assert not Appointment.objects.exists()


def test_the_header_is_documented_on_the_booking_writes(client: Client) -> None:
    doc = client.get("/api/openapi.json").json()
    for path in (
        "/api/clients/{client_id}/series",
        "/api/clients/{client_id}/appointments",
        "/api/appointments/{appointment_id}/cancel",
        "/api/appointments/{appointment_id}/reschedule",
    ):
        names = [p["name"] for p in doc["paths"][path]["post"].get("parameters", [])]
        assert "Idempotency-Key" in names, path
