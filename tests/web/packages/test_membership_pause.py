"""Pausing a membership: till roles; more than three months or a past date is 400."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from needlepoint import clock
from needlepoint.clinic.payments.models_recurring import ClientMembership
from tests.conftest import ClinicWorld

from .helpers import login, things, url


@pytest.mark.parametrize("role", ["owner", "front_desk"])
def test_paused(client: Any, clinic_a: ClinicWorld, role: str) -> None:
    t = things(clinic_a)
    login(client, clinic_a, role)
    until = (clock.now() + timedelta(days=40)).date().isoformat()
    assert client.post(url("membership-pause", t), {"until": until}).status_code == 302
    assert ClientMembership.objects.get().status == "paused"


def test_practitioner_may_not(client: Any, clinic_a: ClinicWorld) -> None:
    t = things(clinic_a)
    login(client, clinic_a, "practitioner")
    assert client.post(url("membership-pause", t), {"until": "2099-01-01"}).status_code == 403


@pytest.mark.parametrize("days", [-1, 200, None])
def test_bad_dates_are_400(client: Any, clinic_a: ClinicWorld, days: int | None) -> None:
    t = things(clinic_a)
    login(client, clinic_a, "owner")
    until = (clock.now() + timedelta(days=days)).date().isoformat() if days is not None else "soon"
    response = client.post(url("membership-pause", t), {"until": until})
    assert response.status_code == 400
    assert ClientMembership.objects.get().status == "active"
