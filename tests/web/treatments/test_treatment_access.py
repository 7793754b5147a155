"""Isolation and role checks for this app's routes (registered in tests.web.test_isolation):
front desk sees check-in and the numbing clock, never charts, photos or lots; another clinic's
ids are never found; photos are served only through the logged view."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from needlepoint.clinic.audit.models import AccessLog
from needlepoint.clinic.treatments import services
from needlepoint.web.treatments import urls as treatment_urls
from tests.clinic.treatments.helpers import START, entry_input, image_bytes, treatment_day, upload
from tests.conftest import ClinicWorld
from tests.routes import flat_routes
from tests.web.test_isolation import EXTRA_ROUTES

EXTRA_ROUTES.update(
    {
        "treatment-day": "appointment",
        "numbing-clock": "appointment",
        "treatment-check-in": "appointment",
        "treatment-numbing": "appointment",
        "chart-entry-add": "appointment",
        "chart-sign": "appointment",
        "chart-addendum": "appointment",
        "treatment-photo-add": "appointment",
        "chart-entry-remove": "chart_entry",
        "numbing-remove": "numbing",
        "treatment-photo": "treatment_photo",
        "photo-compare": "client",
        "lot-detail": "lot",
        "lot-use": "lot",
        "lot-recall": "lot",
    }
)

OWNER, PRACT, DESK = "owner", "practitioner", "front_desk"
EVERYONE = {OWNER, PRACT, DESK}
CLINICAL = {OWNER, PRACT}
ROLES = {
    "treatment-day": EVERYONE,
    "numbing-clock": EVERYONE,
    "treatment-check-in": EVERYONE,
    "treatment-numbing": EVERYONE,
    "chart-entry-add": CLINICAL,
    "chart-sign": CLINICAL,
    "chart-addendum": CLINICAL,
    "treatment-photo-add": CLINICAL,
    "chart-entry-remove": CLINICAL,
    "numbing-remove": EVERYONE,
    "treatment-photo": CLINICAL,
    "photo-compare": CLINICAL,
    "lot-list": CLINICAL,
    "lot-detail": CLINICAL,
    "lot-use": CLINICAL,
    "lot-recall": {OWNER},
}
GETS = ["treatment-day", "numbing-clock", "treatment-photo", "photo-compare", "lot-list", "lot-detail"]


def _objects(world: ClinicWorld) -> dict[str, int]:
    day = treatment_day(world)
    chart = services.start_chart(day.clinic, day.practitioner, day.appointment)
    entry = services.add_chart_entry(day.clinic, day.practitioner, chart, entry_input(day), now=START)
    photo = services.add_photo(
        day.clinic,
        day.practitioner,
        day.appointment,
        area="cheeks",
        view="front",
        phase="before",
        upload=upload(image_bytes()),
    )
    numbing = services.record_numbing(day.clinic, day.desk, day.appointment, areas=["cheeks"], now=START)
    return {
        "numbing": numbing.pk,
        "appointment": day.appointment.pk,
        "chart_entry": entry.pk,
        "treatment_photo": photo.pk,
        "client": day.client.pk,
        "lot": day.cartridge.pk,
    }


def _url(name: str, objects: dict[str, int]) -> str:
    route = next(r for r in flat_routes(treatment_urls.urlpatterns) if r.name == name)
    kwargs = {k: objects[EXTRA_ROUTES[name]] for k in route.params}
    return reverse(name, kwargs=kwargs)


def test_every_route_is_in_the_role_table_behind_staff_view() -> None:
    names = {r.name for r in flat_routes(treatment_urls.urlpatterns)}
    assert names == set(ROLES)
    for p in flat_routes(treatment_urls.urlpatterns):
        view: Any = p.callback
        allowed = getattr(view, "allowed_roles", None) or getattr(
            getattr(view, "__wrapped__", None), "allowed_roles", None
        )
        assert allowed is not None and {str(r) for r in allowed} == ROLES[p.name], p.name


def test_get_routes_answer_by_role(client: Any, clinic_a: ClinicWorld) -> None:
    objects = _objects(clinic_a)
    for name in GETS:
        url = _url(name, objects)
        for role in EVERYONE:
            client.force_login(clinic_a.users[role])
            status = client.get(url).status_code
            assert (status == 403) == (role not in ROLES[name]), (name, role, status)
            if role in ROLES[name]:
                assert status == 200, (name, role, status)
        client.logout()
        assert client.get(url).status_code == 302


def test_front_desk_page_shows_the_clock_but_no_chart_or_photos(client: Any, clinic_a: ClinicWorld) -> None:
    objects = _objects(clinic_a)
    client.force_login(clinic_a.users[DESK])
    page = client.get(_url("treatment-day", objects)).content.decode()
    assert 'id="numbing-clock"' in page
    assert 'id="chart"' not in page and 'id="photos"' not in page and "Nano 36-pin" not in page


def test_other_clinics_objects_are_not_found(
    client: Any, clinic_a: ClinicWorld, clinic_b: ClinicWorld
) -> None:
    theirs = _objects(clinic_b)
    client.force_login(clinic_a.users[OWNER])
    for name in EXTRA_ROUTES.keys() & ROLES.keys():
        url = _url(name, theirs)
        assert client.get(url).status_code in (404, 405), name
        assert client.post(url, {"reason": "x", "text": "x", "quantity": 1}).status_code == 404, name


def test_photos_are_served_logged_and_never_cached(client: Any, clinic_a: ClinicWorld) -> None:
    objects = _objects(clinic_a)
    client.force_login(clinic_a.users[PRACT])
    url = _url("treatment-photo", objects)
    full = client.get(url)
    thumb = client.get(url, {"size": "thumb"})
    assert full.status_code == thumb.status_code == 200
    assert full["Cache-Control"] == "private, no-store" and full["X-Content-Type-Options"] == "nosniff"
    assert thumb["Content-Type"] == "image/jpeg" and len(thumb.content) > 0
    logs = AccessLog.objects.filter(action="view-treatment-photo", client_id=objects["client"])
    assert logs.count() == 2


@pytest.mark.parametrize("prefix", ["/media/", "/static/"])
def test_no_public_url_serves_the_stored_files(client: Any, clinic_a: ClinicWorld, prefix: str) -> None:
    from needlepoint.clinic.treatments.models import TreatmentPhoto

    objects = _objects(clinic_a)
    photo = TreatmentPhoto.objects.get(pk=objects["treatment_photo"])
    client.force_login(clinic_a.users[OWNER])
    assert client.get(prefix + str(photo.image.name)).status_code == 404
