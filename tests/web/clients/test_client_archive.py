"""Archive asks first; an owner sees "Unarchive" on an archived client; the list hides archived
clients unless asked."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from tests.conftest import ClinicWorld


def test_archive_confirm_then_unarchive(client: Any, clinic_a: ClinicWorld) -> None:
    me: Any = clinic_a.client
    client.force_login(clinic_a.users["owner"])
    detail = reverse("client-detail", kwargs={"pk": me.pk})
    archive = reverse("client-archive", kwargs={"pk": me.pk})
    assert f'href="{archive}"' in client.get(detail).content.decode()
    page = client.get(archive)
    assert page.status_code == 200 and "Yes, archive" in page.content.decode()
    me.refresh_from_db()
    assert not me.is_archived  # asking changes nothing
    assert client.post(archive).status_code == 302
    me.refresh_from_db()
    assert me.is_archived
    row = f'href="{detail}"'
    assert row not in client.get(reverse("client-list")).content.decode()
    assert row in client.get(reverse("client-list"), {"show": "archived"}).content.decode()
    assert row in client.get(reverse("client-list"), {"show": "all"}).content.decode()
    unarchive = reverse("client-unarchive", kwargs={"pk": me.pk})
    assert unarchive in client.get(detail).content.decode()
    assert client.post(unarchive).status_code == 302
    me.refresh_from_db()
    assert not me.is_archived


def test_unarchive_is_an_owners(client: Any, clinic_a: ClinicWorld) -> None:
    me: Any = clinic_a.client
    me.is_archived = True
    me.save()
    for role in ("practitioner", "front_desk"):
        client.force_login(clinic_a.users[role])
        assert "Unarchive" not in client.get(reverse("client-detail", kwargs={"pk": me.pk})).content.decode()
        assert client.post(reverse("client-unarchive", kwargs={"pk": me.pk})).status_code == 403
    me.refresh_from_db()
    assert me.is_archived
