"""Possible duplicates: same email (any case), same phone (E.164, whatever the spelling), same
name (case and accents ignored) and date of birth; only within the clinic."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from needlepoint.clinic.clients import services
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clients.selectors import find_duplicates
from needlepoint.clinic.errors import InvalidInput
from tests.conftest import ClinicWorld


def _new(world: ClinicWorld, **kw: Any) -> Client:
    base: dict[str, Any] = {"first_name": "New", "last_name": "Person", "date_of_birth": date(1985, 1, 1)}
    return Client(clinic=world.clinic, **{**base, **kw})


@pytest.fixture
def stored(clinic_a: ClinicWorld) -> Client:
    c = _new(clinic_a, first_name="Zoë", last_name="O'Brien", email="Zoe@Example.com", phone="07700 900123")
    return services.create_client(c)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"email": "zoe@EXAMPLE.com"}, "email"),
        ({"phone": "+44 7700 900123"}, "phone"),
        ({"phone": "0044 (0)7700-900123"}, "phone"),
        (
            {"first_name": "ZOE", "last_name": "obrien", "date_of_birth": date(1985, 1, 1)},
            "name and date of birth",
        ),
    ],
)
def test_each_rule_finds_the_stored_client(
    clinic_a: ClinicWorld, stored: Client, fields: dict[str, Any], reason: str
) -> None:
    with pytest.raises(services.DuplicateClient) as refused:
        services.create_client(_new(clinic_a, **fields))
    (match,) = refused.value.matches
    assert match.client.pk == stored.pk and match.reasons == (reason,)
    assert refused.value.status == 409 and str(stored.pk) in refused.value.message


def test_same_name_another_birthday_is_not_a_duplicate(clinic_a: ClinicWorld, stored: Client) -> None:
    services.create_client(
        _new(clinic_a, first_name="Zoe", last_name="OBrien", date_of_birth=date(1986, 1, 1))
    )


def test_confirmed_duplicate_is_created(clinic_a: ClinicWorld, stored: Client) -> None:
    twin = services.create_client(_new(clinic_a, email="zoe@example.com"), allow_duplicate=True)
    assert twin.pk != stored.pk


def test_another_clinics_client_is_not_a_duplicate(clinic_b: ClinicWorld, stored: Client) -> None:
    services.create_client(_new(clinic_b, email="zoe@example.com", phone="+447700900123"))


def test_merged_records_are_not_offered(clinic_a: ClinicWorld, stored: Client) -> None:
    Client.objects.filter(pk=stored.pk).update(merged_into=clinic_a.client, is_archived=True)  # type: ignore[attr-defined]
    found = find_duplicates(
        clinic_a.clinic.pk, first_name="x", last_name="y", date_of_birth=None, email="zoe@example.com"
    )  # type: ignore[attr-defined]
    assert found == []


def test_an_archived_client_still_counts(clinic_a: ClinicWorld, stored: Client) -> None:
    Client.objects.filter(pk=stored.pk).update(is_archived=True)
    with pytest.raises(services.DuplicateClient):
        services.create_client(_new(clinic_a, email="zoe@example.com"))


def test_invalid_input_is_refused_before_the_duplicate_check(clinic_a: ClinicWorld, stored: Client) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.create_client(_new(clinic_a, email="zoe@example.com", phone="12"))
    assert "phone" in refused.value.fields
