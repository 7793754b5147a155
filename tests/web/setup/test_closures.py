"""Set-up of closures and public holidays: owner only, clinic-scoped, bad input explained."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from needlepoint.clinic.clinics.models import Closure
from tests.conftest import ClinicWorld
from tests.web.test_isolation import EXTRA_ROUTES

EXTRA_ROUTES.update(
    {"closures-edit": "closure", "closures-delete": "closure", "location-holidays": "location"}
)


def _closure(world: ClinicWorld) -> Closure:
    return Closure.objects.create(
        clinic=world.clinic,
        location=world.location,
        first_day=date(2027, 1, 6),
        last_day=date(2027, 1, 6),
        reason="Deep clean",
    )


def test_owner_adds_lists_and_removes_a_closure(client, clinic_a: ClinicWorld) -> None:  # type: ignore[no-untyped-def]
    client.force_login(clinic_a.users["owner"])
    bad = client.post(
        reverse("closures-create"),
        {
            "location": "",
            "first_day": "2027-01-08",
            "last_day": "2027-01-07",
            "start_time": "12:00",
            "reason": "x",
        },
    )
    assert bad.status_code == 400 and "Closure" not in [c.__class__.__name__ for c in Closure.objects.all()]
    ok = client.post(
        reverse("closures-create"),
        {
            "location": "",
            "first_day": "2027-01-07",
            "last_day": "2027-01-07",
            "start_time": "12:00",
            "end_time": "14:00",
            "reason": "Staff training",
        },
    )
    assert ok.status_code == 302
    closure = Closure.objects.get()
    assert closure.location is None and closure.clinic_id == clinic_a.clinic.pk
    assert "Staff training" in client.get(reverse("closures-list")).content.decode()
    client.post(reverse("closures-delete", args=[closure.pk]))
    assert not Closure.objects.exists()


def test_public_holidays_need_a_real_region(client, clinic_a: ClinicWorld) -> None:  # type: ignore[no-untyped-def]
    client.force_login(clinic_a.users["owner"])
    url = reverse("location-holidays", args=[clinic_a.location.pk])
    prefix = f"loc{clinic_a.location.pk}"
    bad = client.post(
        url,
        {
            f"{prefix}-country": "US",
            f"{prefix}-subdivision": "ZZ",
            f"{prefix}-closed_on_public_holidays": "on",
        },
    )
    assert bad.status_code == 400 and "is not a region of US" in bad.content.decode()
    ok = client.post(
        url,
        {
            f"{prefix}-country": "US",
            f"{prefix}-subdivision": "ny",
            f"{prefix}-closed_on_public_holidays": "on",
        },
    )
    assert ok.status_code == 302
    clinic_a.location.refresh_from_db()
    assert (
        clinic_a.location.country,
        clinic_a.location.subdivision,
        clinic_a.location.closed_on_public_holidays,
    ) == ("US", "NY", True)


def test_front_desk_may_not_manage_closures_and_other_clinics_are_not_found(
    client, clinic_a: ClinicWorld, clinic_b: ClinicWorld
) -> None:  # type: ignore[no-untyped-def]
    theirs = _closure(clinic_b)
    client.force_login(clinic_a.users["front_desk"])
    assert client.get(reverse("closures-list")).status_code == 403
    client.force_login(clinic_a.users["owner"])
    assert client.get(reverse("closures-edit", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("closures-delete", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("location-holidays", args=[clinic_b.location.pk]), {}).status_code == 404
    assert Closure.objects.filter(pk=theirs.pk).exists()
