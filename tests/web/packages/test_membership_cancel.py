"""Cancelling a membership: inside the minimum term it is refused (409) unless an owner
overrides; a front desk's override is 403."""

from __future__ import annotations

from typing import Any

from needlepoint.clinic.payments.models_recurring import ClientMembership
from tests.conftest import ClinicWorld

from .helpers import login, things, url


def test_minimum_term_then_owner_override(client: Any, clinic_a: ClinicWorld) -> None:
    t = things(clinic_a)
    login(client, clinic_a, "front_desk")
    refused = client.post(url("membership-cancel", t))
    assert refused.status_code == 409 and "minimum term" in refused.content.decode()
    assert client.post(url("membership-cancel", t), {"override": "on"}).status_code == 403
    assert ClientMembership.objects.get().status == "active"
    login(client, clinic_a, "owner")
    assert client.post(url("membership-cancel", t), {"override": "on"}).status_code == 302
    assert ClientMembership.objects.get().status == "cancelled"
    assert client.post(url("membership-cancel", t), {"override": "on"}).status_code == 409


def test_practitioner_may_not(client: Any, clinic_a: ClinicWorld) -> None:
    t = things(clinic_a)
    login(client, clinic_a, "practitioner")
    assert client.post(url("membership-cancel", t), {"override": "on"}).status_code == 403
