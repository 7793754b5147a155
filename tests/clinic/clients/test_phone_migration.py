"""Migration clients 0003: stored phones in E.164 (each clinic's default region), name keys
filled; a phone that does not parse is left as it is and listed."""

from __future__ import annotations

import importlib
import logging
from typing import Any

import pytest
from django.apps import apps

from needlepoint.clinic.clients.models import Client
from tests.conftest import ClinicWorld

migration = importlib.import_module("needlepoint.clinic.clients.migrations.0003_normalise_phones")


def test_phones_are_normalised_and_the_unreadable_listed(
    clinic_a: ClinicWorld, clinic_b: ClinicWorld, caplog: pytest.LogCaptureFixture, capsys: Any
) -> None:
    loc: Any = clinic_b.location
    loc.country = "US"
    loc.save()
    a: Any = clinic_a.client
    b: Any = clinic_b.client
    Client.objects.filter(pk=a.pk).update(phone="07700 900123", name_key="")
    Client.objects.filter(pk=b.pk).update(phone="(212) 555-0199")
    odd = Client.objects.create(
        clinic=clinic_a.clinic,
        first_name="Odd",
        last_name="One",
        date_of_birth=a.date_of_birth,
        phone="ext. 12",
    )
    with caplog.at_level(logging.WARNING, logger="needlepoint.migrations"):
        migration.forward(apps, None)
    phones = dict(Client.objects.values_list("pk", "phone"))
    assert (phones[a.pk], phones[b.pk], phones[odd.pk]) == ("+447700900123", "+12125550199", "ext. 12")
    assert Client.objects.get(pk=a.pk).name_key == "zeldaaclienta"
    assert f"client #{odd.pk}: 'ext. 12'" in caplog.text and f"#{odd.pk}" in capsys.readouterr().out
