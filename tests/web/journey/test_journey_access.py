"""Every journey route: the right roles, and another clinic's objects are never found."""

from __future__ import annotations

import pytest
from django.urls import get_resolver, reverse

from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.consent.services import generate_consent
from needlepoint.web.journey import urls as journey_urls
from tests.clinic.journey_helpers import confirmed_plan, intake_with_photo, signed
from tests.conftest import ClinicWorld
from tests.routes import flat_routes
from tests.web.test_isolation import EXTRA_ROUTES

# The platform's route census (tests/web/test_isolation.py) must know every <int:...> route;
# the journey's staff routes are checked below, the portal's in test_portal.py.
EXTRA_ROUTES.update(
    {
        "intake-create": "client",
        "intake-tablet": "client",
        "intake-detail": "intake",
        "intake-photo": "intake_photo",
        "portal-intake-photo": "intake_photo",
        "plan-create": "intake",
        "plan-detail": "plan",
        "plan-edit": "plan",
        "finding-acknowledge": "plan",
        "plan-confirm": "plan",
        "plan-cancel": "plan",
        "consent-generate": "plan",
        "quote-detail": "plan",
        "quote-pdf": "plan",
        "consent-detail": "consent_document",
        "consent-sign-tablet": "consent_document",
        "consent-pdf": "consent_signature",
        "portal-consent": "consent_document",
        "portal-consent-pdf": "consent_signature",
        "portal-quote-pdf": "plan",
        "portal-appointment": "appointment",
        "portal-appointment-ics": "appointment",
        "portal-appointment-reschedule": "appointment",
        "portal-appointment-cancel": "appointment",
    }
)

OWNER, PRACT, DESK = Role.OWNER.value, Role.PRACTITIONER.value, Role.FRONT_DESK.value
CLINICAL = {OWNER, PRACT}
EVERYONE = {OWNER, PRACT, DESK}
ROLES = {
    "intake-create": EVERYONE,
    "intake-tablet": EVERYONE,
    "intake-detail": EVERYONE,
    "intake-photo": CLINICAL,  # photos are clinical (clinic/sensitivity.py)
    "plan-create": CLINICAL,
    "plan-detail": EVERYONE,
    "plan-edit": CLINICAL,
    "finding-acknowledge": CLINICAL,
    "plan-confirm": CLINICAL,
    "plan-cancel": CLINICAL,
    "consent-generate": EVERYONE,
    "quote-detail": EVERYONE,
    "quote-pdf": EVERYONE,
    "consent-detail": EVERYONE,
    "consent-sign-tablet": EVERYONE,
    "consent-pdf": EVERYONE,
    "price-list": {OWNER},
}


def _objects(world: ClinicWorld) -> dict[str, int]:
    plan = confirmed_plan(world)
    signature = signed(world, plan)
    document = generate_consent(plan, actor=world.memberships[Role.FRONT_DESK])
    return {
        "client_pk": world.client.pk,
        "intake_pk": plan.intake_id,
        "plan_pk": plan.pk,
        "finding_pk": plan.findings.first().pk if plan.findings.exists() else 0,
        "document_pk": document.pk,
        "signature_pk": signature.pk,
        "photo_pk": intake_with_photo(world).photos.get().pk,
    }


def _url(name: str, objects: dict[str, int]) -> str:
    route = next(r for r in flat_routes(journey_urls.urlpatterns) if r.name == name)
    kwargs = {k: objects[k] for k in route.params}
    return reverse(name, kwargs=kwargs)


def test_every_journey_route_is_in_the_role_table() -> None:
    names = {r.name for r in flat_routes(journey_urls.urlpatterns)}
    assert names == set(ROLES)
    # and every one is behind staff_view with exactly those roles
    for p in flat_routes(journey_urls.urlpatterns):
        view = p.callback
        allowed = getattr(view, "allowed_roles", None) or getattr(
            getattr(view, "__wrapped__", None), "allowed_roles", None
        )
        assert allowed is not None and {str(r) for r in allowed} == ROLES[p.name], p.name


@pytest.mark.parametrize(
    "name",
    sorted(
        n
        for n in ROLES
        if n not in {"finding-acknowledge", "plan-confirm", "plan-cancel", "consent-generate"}
    ),
)
def test_get_routes_answer_by_role(client, clinic_a: ClinicWorld, name: str) -> None:
    objects = _objects(clinic_a)
    url = _url(name, objects)
    for role in EVERYONE:
        client.force_login(clinic_a.users[role])
        status = client.get(url).status_code
        assert (status == 403) == (role not in ROLES[name]), (name, role, status)
    client.logout()
    assert client.get(url).status_code == 302


def test_other_clinics_objects_are_not_found(client, clinic_a: ClinicWorld, clinic_b: ClinicWorld) -> None:
    theirs = _objects(clinic_b)
    _objects(clinic_a)
    client.force_login(clinic_a.users[OWNER])
    for name in ROLES:
        if name == "price-list":
            continue
        url = _url(name, theirs)
        assert client.get(url).status_code in (404, 405), name
        assert client.post(url, {"note": "x", "reason": "x"}).status_code == 404, name


def test_get_resolver_sees_the_journey_routes() -> None:
    names = {r.name for r in flat_routes(get_resolver().url_patterns)}
    assert "plan-detail" in names and "portal-home" in names and "learn-index" in names
