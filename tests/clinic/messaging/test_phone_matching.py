"""Inbound texts find the client by the E.164 number clients/phones.py stored (an exact,
indexed match), however the provider spells the sender; legacy rows still match by digits."""

from __future__ import annotations

from datetime import date
from typing import Any

from needlepoint.clinic.clients import services
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.messaging.inbound import clients_with_number
from tests.conftest import ClinicWorld


def test_sender_spellings_match_the_stored_e164(clinic_a: ClinicWorld, clinic_b: ClinicWorld) -> None:
    c = services.save_client(
        Client(
            clinic=clinic_a.clinic,
            first_name="T",
            last_name="Ext",
            date_of_birth=date(1990, 1, 1),
            phone="07700 900456",
        ),
        consent_changed=False,
    )
    assert c.phone == "+447700900456"
    clinic: Any = clinic_a.clinic
    for sender in ("+447700900456", "+44 7700 900456", "00447700900456", "07700 900456"):
        assert [x.pk for x in clients_with_number(clinic.pk, sender)] == [c.pk], sender
    assert clients_with_number(clinic.pk, "+447700900457") == []
    assert clients_with_number(clinic_b.clinic.pk, "+447700900456") == []  # type: ignore[attr-defined]


def test_a_legacy_spelling_still_matches_by_digits(clinic_a: ClinicWorld) -> None:
    legacy: Any = clinic_a.client
    Client.objects.filter(pk=legacy.pk).update(phone="07700 900999")  # stored around the model
    assert [x.pk for x in clients_with_number(clinic_a.clinic.pk, "+447700900999")] == [legacy.pk]  # type: ignore[attr-defined]
