"""The merge page: the likely duplicates, a side-by-side summary, an explicit confirmation."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse

from needlepoint.clinic.clients.models import Client
from tests.conftest import ClinicWorld


def _dup(world: ClinicWorld) -> Client:
    return Client.objects.create(
        clinic=world.clinic,
        first_name="Zelda",
        last_name="Dupe",
        date_of_birth=date(1990, 5, 17),
        email="ZELDAA@example.com",
        phone="+447700900444",
    )


def test_pick_compare_confirm(client: Any, clinic_a: ClinicWorld) -> None:
    keep: Any = clinic_a.client
    dup = _dup(clinic_a)
    client.force_login(clinic_a.users["owner"])
    url = reverse("client-merge", kwargs={"pk": keep.pk})
    page = client.get(url).content.decode()
    assert f"?other={dup.pk}" in page and "same email" in page
    page = client.get(f"{url}?other={dup.pk}").content.decode()
    assert "Kept: ZeldaA ClientA" in page and "Duplicate: Zelda Dupe" in page
    assert "07700 900444" in page and "(will be copied)" in page  # national format; blank phone filled
    assert client.post(url, {"other": dup.pk}).status_code == 400  # not confirmed: nothing merged
    assert Client.objects.get(pk=dup.pk).merged_into_id is None
    response = client.post(url, {"other": dup.pk, "confirm": "on"})
    assert response.status_code == 302 and response["Location"] == reverse(
        "client-detail", kwargs={"pk": keep.pk}
    )
    dup.refresh_from_db()
    assert dup.merged_into_id == keep.pk and dup.is_archived
    page = client.get(reverse("client-detail", kwargs={"pk": dup.pk})).content.decode()
    assert "merged into" in page and reverse("client-detail", kwargs={"pk": keep.pk}) in page


def test_search_and_refusing_itself(client: Any, clinic_a: ClinicWorld) -> None:
    keep: Any = clinic_a.client
    client.force_login(clinic_a.users["owner"])
    url = reverse("client-merge", kwargs={"pk": keep.pk})
    dup = _dup(clinic_a)
    assert f"?other={dup.pk}" in client.get(url, {"q": "Dupe"}).content.decode()
    assert "cannot be merged into itself" in client.get(f"{url}?other={keep.pk}").content.decode()
    response = client.post(url, {"other": keep.pk, "confirm": "on"}, follow=True)
    assert "cannot be merged into itself" in response.content.decode()
    assert client.get(f"{url}?other=%C2%B2").status_code == 400


def test_staff_who_are_not_owners_cannot(client: Any, clinic_a: ClinicWorld) -> None:
    dup = _dup(clinic_a)
    for role in ("practitioner", "front_desk"):
        client.force_login(clinic_a.users[role])
        url = reverse("client-merge", kwargs={"pk": clinic_a.client.pk})  # type: ignore[attr-defined]
        assert client.post(url, {"other": dup.pk, "confirm": "on"}).status_code == 403
    assert Client.objects.get(pk=dup.pk).merged_into_id is None
