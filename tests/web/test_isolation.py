"""A user of clinic A can neither see nor change anything of clinic B, through any route."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.permissions import SystemActor
from tests.conftest import ClinicWorld

# Which object each route's id refers to. A new route with an <int:...> id must be added here,
# or test_every_id_route_is_covered fails: no route escapes the isolation check.
PK_ROUTES = {
    "client-detail": "client",
    "client-edit": "client",
    "client-archive": "client",
    "client-unarchive": "client",
    "client-merge": "client",
    "locations-edit": "location",
    "rooms-edit": "room",
    "devices-edit": "device",
    "staff-edit": "membership",
    "rota-edit": "membership",
    "staff-invitation-resend": "invitation",
    "staff-invitation-revoke": "invitation",
    "series-book": "client",
    "waitlist-add": "client",
    "appointment-detail": "appointment",
    "appointment-move": "appointment",
    "appointment-cancel": "appointment",
    "appointment-status": "appointment",
    "appointment-ics": "appointment",
    "waitlist-accept": "waitlist_entry",
    "appointment-types-edit": "appointment_type",
    "shifts-edit": "shift",
    "shift-exceptions-edit": "shift_exception",
    "time-off-edit": "time_off",
}
EXTRA_ROUTES: dict[str, str] = {}  # filled by other apps' isolation tests (REGISTRARS)
REGISTRARS = [
    "tests.web.journey.test_journey_access",
    "tests.web.messaging.test_reaction_photos",
    "tests.web.treatments.test_treatment_access",
    "tests.web.outcomes.test_outcome_access",
    "tests.web.interop.test_interop_web",
    "tests.web.dashboard.test_today",
    "tests.web.setup.test_closures",
    "tests.web.messaging.test_inbox",
    "tests.web.payments.test_payments_access",
    "tests.web.deposits.test_deposit_views",
    "tests.web.packages.test_isolation_packages",
    "tests.portal.test_money",
]


def _named_routes(resolver: URLResolver | None = None, prefix: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            out += _named_routes(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            out.append((entry.name, prefix + str(entry.pattern)))
    return out


def _booking_objects(world: ClinicWorld) -> dict[str, object]:
    from datetime import UTC, date, datetime, time

    from needlepoint.clinic.booking import services
    from needlepoint.clinic.booking.models import ShiftException, TimeOff, WaitlistEntry
    from tests.clinic.booking.conftest import NOW, make_booking_world, spec

    bw = make_booking_world(world)
    s = spec(bw, sessions=1)
    result, _ = services.search_series(world.clinic, s, now=NOW)
    series = services.book_series(
        world.clinic, s, list(result.options[0].sessions), actor=SystemActor(world.clinic.pk, "test")
    )
    practitioner = world.memberships[Role.PRACTITIONER]
    return {
        "appointment": series.appointments.get(),
        "appointment_type": bw.kind,
        "shift": practitioner.weekly_shifts.first(),
        "shift_exception": ShiftException.objects.create(
            clinic=world.clinic, practitioner=practitioner, location=world.location, date=date(2027, 2, 1)
        ),
        "time_off": TimeOff.objects.create(
            clinic=world.clinic,
            practitioner=practitioner,
            start=datetime(2027, 2, 2, 9, tzinfo=UTC),
            end=datetime(2027, 2, 2, 17, tzinfo=UTC),
        ),
        "waitlist_entry": WaitlistEntry.objects.create(
            clinic=world.clinic,
            client=world.client,
            appointment_type=bw.kind,
            earliest=date(2027, 2, 1),
            latest=date(2027, 2, 5),
        ),
        "_time": time(9),
    }


def _target(world: ClinicWorld, key: str, cache: dict[str, object]) -> int:
    if key == "membership":
        return world.memberships[Role.PRACTITIONER].pk  # type: ignore[attr-defined, no-any-return]
    if key == "invitation":
        from needlepoint import clock
        from needlepoint.clinic.staff import invite

        owner = world.memberships[Role.OWNER]
        return invite(owner, email="invited@example.com", role="front_desk", now=clock.now()).pk  # type: ignore[arg-type]
    if hasattr(world, key):
        return getattr(world, key).pk  # type: ignore[no-any-return]
    if not cache:
        cache.update(_booking_objects(world))
    return cache[key].pk  # type: ignore[attr-defined, no-any-return]


def _url(route: str, pk: int) -> str:
    pattern = dict(_named_routes())[route]
    kwarg = pattern.split("<int:", 1)[1].split(">", 1)[0]
    return reverse(route, kwargs={kwarg: pk})


def test_every_id_route_is_covered() -> None:
    # Apps with their own isolation tests register their routes in EXTRA_ROUTES on import.
    import importlib

    for module in REGISTRARS:
        importlib.import_module(module)
    with_id = {name for name, pattern in _named_routes() if "<int:" in pattern}
    assert with_id == set(PK_ROUTES) | set(EXTRA_ROUTES)


@pytest.mark.parametrize("role", [r.value for r in Role])
@pytest.mark.parametrize("route", sorted(PK_ROUTES))
def test_other_clinics_objects_are_not_found(
    client, clinic_a: ClinicWorld, clinic_b: ClinicWorld, route: str, role: str
) -> None:
    client.force_login(clinic_a.users[role])
    url = _url(route, _target(clinic_b, PK_ROUTES[route], {}))
    # 404, not 403: the other clinic's ids are not even confirmed to exist.
    # (403 for a role that may not use the route at all is fine too: it reveals nothing.)
    assert client.get(url).status_code in (403, 404, 405)
    response = client.post(url, {"first_name": "Hacked", "name": "Hacked", "role": "owner"})
    assert response.status_code in (403, 404)


def test_own_clinic_objects_are_reachable_so_the_404s_above_mean_something(
    client, clinic_a: ClinicWorld
) -> None:
    client.force_login(clinic_a.users[Role.OWNER])
    cache: dict[str, object] = {}
    for route, key in PK_ROUTES.items():
        if route.endswith(("archive", "move", "cancel", "status", "accept", "resend", "revoke")):
            continue  # POST-only
        url = _url(route, _target(clinic_a, key, cache))
        assert client.get(url).status_code == 200, route


def test_posts_into_other_clinic_change_nothing(client, clinic_a: ClinicWorld, clinic_b: ClinicWorld) -> None:
    client.force_login(clinic_a.users[Role.OWNER])
    target = clinic_b.client
    client.post(
        reverse("client-edit", kwargs={"pk": target.pk}),
        {"first_name": "Hacked", "last_name": "X", "date_of_birth": "1990-01-01"},
    )
    client.post(reverse("client-archive", kwargs={"pk": target.pk}))
    # Merging another clinic's client into one of ours: the other id is not found.
    merge_url = reverse("client-merge", kwargs={"pk": clinic_a.client.pk})  # type: ignore[attr-defined]
    assert client.post(merge_url, {"other": target.pk, "confirm": "on"}).status_code == 404  # type: ignore[attr-defined]
    target.refresh_from_db()
    assert target.first_name == "ZeldaB" and not target.is_archived and target.merged_into_id is None
    appointment = _booking_objects(clinic_b)["appointment"]
    client.post(_url("appointment-cancel", appointment.pk), {"reason": "x"})  # type: ignore[attr-defined]
    client.post(_url("appointment-move", appointment.pk), {"new_start": "2027-01-06T10:00:00+00:00"})  # type: ignore[attr-defined]
    appointment.refresh_from_db()  # type: ignore[attr-defined]
    assert appointment.status == "booked" and appointment.sequence == 0  # type: ignore[attr-defined]


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
