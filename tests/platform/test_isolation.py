"""A user of clinic A can neither see nor change anything of clinic B, through any route."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from needlepoint.clinic.accounts.models import Role
from tests.conftest import ClinicWorld

# Which fixture object each route's <pk> refers to. A new route with a pk must be added here,
# or test_every_pk_route_is_covered fails: no route escapes the isolation check.
PK_ROUTES = {
    "client-detail": "client",
    "client-edit": "client",
    "client-archive": "client",
    "locations-edit": "location",
    "rooms-edit": "room",
    "devices-edit": "device",
    "staff-edit": "membership",
}


def _named_routes(resolver: URLResolver | None = None, prefix: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            out += _named_routes(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            out.append((entry.name, prefix + str(entry.pattern)))
    return out


def _target(world: ClinicWorld, key: str) -> int:
    obj = world.memberships[Role.PRACTITIONER] if key == "membership" else getattr(world, key)
    return obj.pk  # type: ignore[attr-defined, no-any-return]


def test_every_pk_route_is_covered() -> None:
    with_pk = {name for name, pattern in _named_routes() if "<int:pk>" in pattern}
    assert with_pk == set(PK_ROUTES)


@pytest.mark.parametrize("role", [r.value for r in Role])
@pytest.mark.parametrize("route", sorted(PK_ROUTES))
def test_other_clinics_objects_are_not_found(
    client, clinic_a: ClinicWorld, clinic_b: ClinicWorld, route: str, role: str
) -> None:
    client.force_login(clinic_a.users[role])
    url = reverse(route, kwargs={"pk": _target(clinic_b, PK_ROUTES[route])})
    # 404, not 403: the other clinic's ids are not even confirmed to exist.
    # (403 for a role that may not use the route at all is fine too: it reveals nothing.)
    assert client.get(url).status_code in (403, 404, 405)
    response = client.post(url, {"first_name": "Hacked", "name": "Hacked", "role": "owner"})
    assert response.status_code in (403, 404)


def test_own_clinic_objects_are_reachable_so_the_404s_above_mean_something(
    client, clinic_a: ClinicWorld
) -> None:
    client.force_login(clinic_a.users[Role.OWNER])
    for route, key in PK_ROUTES.items():
        if route.endswith("archive"):
            continue  # POST-only
        url = reverse(route, kwargs={"pk": _target(clinic_a, key)})
        assert client.get(url).status_code == 200, route


def test_posts_into_other_clinic_change_nothing(client, clinic_a: ClinicWorld, clinic_b: ClinicWorld) -> None:
    client.force_login(clinic_a.users[Role.OWNER])
    target = clinic_b.client
    client.post(
        reverse("client-edit", kwargs={"pk": target.pk}),
        {"first_name": "Hacked", "last_name": "X", "date_of_birth": "1990-01-01"},
    )
    client.post(reverse("client-archive", kwargs={"pk": target.pk}))
    target.refresh_from_db()
    assert target.first_name == "ZeldaB" and not target.is_archived


def test_lists_and_search_show_only_own_clinic(client, clinic_a: ClinicWorld, clinic_b: ClinicWorld) -> None:
    client.force_login(clinic_a.users[Role.OWNER])
    pages = [reverse("client-list"), reverse("client-list") + "?q=Zelda", reverse("dashboard")]
    pages += [reverse(f"{t}-list") for t in ("locations", "rooms", "devices", "staff")]
    for url in pages:
        body = client.get(url).content.decode()
        assert "ZeldaB" not in body and "B High Street" not in body and "Pen B" not in body, url
        assert "role.b@" not in body and "owner.b@" not in body, url
    assert "ZeldaA" in client.get(reverse("client-list") + "?q=Zelda").content.decode()


def test_forms_do_not_offer_other_clinics_rows(client, clinic_a: ClinicWorld, clinic_b: ClinicWorld) -> None:
    client.force_login(clinic_a.users[Role.OWNER])
    for url in (
        reverse("client-create"),
        reverse("rooms-create"),
        reverse("devices-create"),
        reverse("staff-create"),
    ):
        assert "B High Street" not in client.get(url).content.decode(), url


def test_cannot_attach_other_clinics_location_by_posting_its_id(
    client, clinic_a: ClinicWorld, clinic_b: ClinicWorld
) -> None:
    from needlepoint.clinic.clinics.models import Room

    client.force_login(clinic_a.users[Role.OWNER])
    response = client.post(reverse("rooms-create"), {"location": clinic_b.location.pk, "name": "Sneaky"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Room.objects.filter(name="Sneaky").exists()


def test_model_layer_refuses_cross_clinic_links(clinic_a: ClinicWorld, clinic_b: ClinicWorld) -> None:
    from django.core.exceptions import ValidationError

    from needlepoint.clinic.clinics.models import Room

    with pytest.raises(ValidationError, match="another clinic"):
        Room.objects.create(clinic=clinic_a.clinic, location=clinic_b.location, name="X")


def test_switching_to_a_clinic_you_do_not_belong_to_is_refused(
    client, clinic_a: ClinicWorld, clinic_b: ClinicWorld
) -> None:
    client.force_login(clinic_a.users[Role.OWNER])
    response = client.post(reverse("switch-clinic"), {"clinic": clinic_b.clinic.pk})
    assert response.status_code == 400
    assert "ZeldaB" not in client.get(reverse("client-list")).content.decode()


def test_multi_clinic_user_switches_and_sees_only_the_active_clinic(
    client, clinic_a: ClinicWorld, clinic_b: ClinicWorld
) -> None:
    from needlepoint.clinic.accounts.models import Membership

    user = clinic_a.users[Role.PRACTITIONER]
    Membership.objects.create(clinic=clinic_b.clinic, user=user, role=Role.FRONT_DESK)
    client.force_login(user)
    first = client.get(reverse("client-list")).content.decode()
    assert "ZeldaA" in first and "ZeldaB" not in first
    assert client.post(reverse("switch-clinic"), {"clinic": clinic_b.clinic.pk}).status_code == 302
    second = client.get(reverse("client-list")).content.decode()
    assert "ZeldaB" in second and "ZeldaA" not in second
    # The role follows the clinic: front desk in B may not open B's set-up pages.
    assert client.get(reverse("locations-list")).status_code == 403
