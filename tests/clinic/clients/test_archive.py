"""Archiving and unarchiving: the owner's, audited with the actor, a merged record stays archived."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from auditlog.models import LogEntry

from needlepoint import clock
from needlepoint.clinic.client_records import services as records
from needlepoint.clinic.client_records.merge import merge_clients
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clients.selectors import search_clients
from needlepoint.clinic.errors import Conflict, NotAllowed
from tests.conftest import ClinicWorld


def test_archive_hides_and_unarchive_brings_back_each_audited(clinic_a: ClinicWorld) -> None:
    c: Any = clinic_a.client
    owner: Any = clinic_a.memberships["owner"]
    records.archive_client(c, actor=owner, now=clock.now())
    assert not search_clients(clinic_a.clinic, "Zelda").exists()  # type: ignore[arg-type]
    assert search_clients(clinic_a.clinic, "Zelda", archived_only=True).get().pk == c.pk  # type: ignore[arg-type]
    records.unarchive_client(c, actor=owner, now=clock.now())
    assert search_clients(clinic_a.clinic, "Zelda").get().pk == c.pk  # type: ignore[arg-type]
    entries = LogEntry.objects.filter(object_id=c.pk, additional_data__note__in=["archived", "unarchived"])
    assert [(e.additional_data["note"], e.actor) for e in entries.order_by("id")] == [
        ("archived", clinic_a.users["owner"]),
        ("unarchived", clinic_a.users["owner"]),
    ]
    assert entries.order_by("id").first().changes_dict == {"is_archived": ["False", "True"]}  # type: ignore[union-attr]


@pytest.mark.parametrize("role", ["practitioner", "front_desk"])
def test_only_an_owner(clinic_a: ClinicWorld, role: str) -> None:
    c: Any = clinic_a.client
    with pytest.raises(NotAllowed):
        records.archive_client(c, actor=clinic_a.memberships[role], now=clock.now())  # type: ignore[arg-type]
    assert not Client.objects.get(pk=c.pk).is_archived


def test_a_merged_record_cannot_be_unarchived(clinic_a: ClinicWorld) -> None:
    owner: Any = clinic_a.memberships["owner"]
    dup = Client.objects.create(
        clinic=clinic_a.clinic, first_name="D", last_name="U", date_of_birth=date(1990, 1, 1)
    )
    merge_clients(clinic_a.client, dup, actor=owner, now=clock.now())  # type: ignore[arg-type]
    with pytest.raises(Conflict):
        records.unarchive_client(dup, actor=owner, now=clock.now())
