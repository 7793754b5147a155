"""Writes to clinical rows and reads of client records are logged: who, what, when, from where."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.urls import reverse

from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.audit.models import AccessLog
from needlepoint.clinic.clients.models import Client
from tests.conftest import ClinicWorld

NEW_CLIENT = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "date_of_birth": "1985-12-10",
    "email": "ada@example.com",
    "fitzpatrick": "2",
}


def test_create_update_delete_are_logged_with_actor_and_address(client, clinic_a: ClinicWorld) -> None:
    desk = clinic_a.users[Role.FRONT_DESK]
    client.force_login(desk)
    response = client.post(reverse("client-create"), NEW_CLIENT, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 302
    ada = Client.objects.get(first_name="Ada")
    created = LogEntry.objects.get_for_object(ada).get(action=LogEntry.Action.CREATE)
    assert created.actor == desk and created.remote_addr == "203.0.113.7"
    assert created.additional_data == {"clinic_id": clinic_a.clinic.pk}

    client.post(
        reverse("client-edit", kwargs={"pk": ada.pk}),
        {**NEW_CLIENT, "last_name": "King"},
        REMOTE_ADDR="203.0.113.8",
    )
    updated = LogEntry.objects.get_for_object(ada).get(action=LogEntry.Action.UPDATE)
    assert updated.changes_dict["last_name"] == ["Lovelace", "King"]
    assert updated.remote_addr == "203.0.113.8"

    # Records that were read stay (retention): deleting is refused, archiving is the way.
    import pytest
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        ada.delete()
    room = clinic_a.room
    pk = room.pk
    room.delete()
    assert LogEntry.objects.filter(object_pk=str(pk), action=LogEntry.Action.DELETE).exists()


def test_settings_rows_are_audited_too(client, clinic_a: ClinicWorld) -> None:
    client.force_login(clinic_a.users[Role.OWNER])
    client.post(
        reverse("devices-edit", kwargs={"pk": clinic_a.device.pk}),
        {
            "location": clinic_a.location.pk,
            "name": "Pen A",
            "make": "Acme",
            "model": "P1",
            "kind": "pen",
            "max_depth_mm": "1.50",
            "is_active": "on",
        },
    )
    entry = LogEntry.objects.get_for_object(clinic_a.device).get(action=LogEntry.Action.UPDATE)
    assert entry.changes_dict["max_depth_mm"] == ["2.50", "1.50"]


def test_reading_a_client_record_is_logged(client, clinic_a: ClinicWorld) -> None:
    pract = clinic_a.users[Role.PRACTITIONER]
    client.force_login(pract)
    client.get(
        reverse("client-detail", kwargs={"pk": clinic_a.client.pk}),
        REMOTE_ADDR="198.51.100.4",
        HTTP_USER_AGENT="TabletBrowser/1.0",
    )
    entry = AccessLog.objects.get(action="view")
    assert (entry.user, entry.client, entry.clinic) == (pract, clinic_a.client, clinic_a.clinic)
    assert entry.remote_addr == "198.51.100.4" and entry.user_agent == "TabletBrowser/1.0"
    assert entry.path == f"/clients/{clinic_a.client.pk}/"
    client.get(reverse("client-list") + "?q=Zel")
    assert AccessLog.objects.filter(action="list", path="/clients/?q=Zel").count() == 1


def test_owner_sees_own_clinic_trail_only(client, clinic_a: ClinicWorld, clinic_b: ClinicWorld) -> None:
    client.force_login(clinic_b.users[Role.PRACTITIONER])
    client.get(reverse("client-detail", kwargs={"pk": clinic_b.client.pk}))
    client.force_login(clinic_a.users[Role.PRACTITIONER])
    client.get(reverse("client-detail", kwargs={"pk": clinic_a.client.pk}))

    client.force_login(clinic_a.users[Role.OWNER])
    reads = client.get(reverse("audit-log") + "?tab=reads").content.decode()
    assert "ZeldaA ClientA" in reads and "ZeldaB" not in reads
    assert "practitioner.a@example.com" in reads
    changes = client.get(reverse("audit-log")).content.decode()
    assert "ZeldaA ClientA" in changes and "ZeldaB" not in changes and "Pen B" not in changes


def test_access_log_is_append_only(clinic_a: ClinicWorld) -> None:
    import pytest

    entry = AccessLog.objects.create(clinic=clinic_a.clinic, client=clinic_a.client, action="view")
    entry.action = "nothing"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
