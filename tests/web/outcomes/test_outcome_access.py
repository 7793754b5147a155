"""Isolation and role checks for the outcome and review routes (registered in
tests.web.test_isolation): another clinic's ids are 404, roles as the issue sets them."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from needlepoint.clinic.outcomes.services import add_follow_up, open_adverse_event
from needlepoint.clinic.permissions import ClientActor
from needlepoint.clinic.reviews.services import submit_review
from tests.clinic.outcomes.helpers import day, finished_series, session
from tests.conftest import ClinicWorld
from tests.web.test_isolation import EXTRA_ROUTES

EXTRA_ROUTES.update(
    {
        "adverse-event-detail": "adverse_event",
        "adverse-event-task-done": "follow_up_task",
        "adverse-event-create": "client",
        "outcome-scores": "appointment",
        "review-publish": "review",
        "review-reject": "review",
        "portal-review-write": "series",
        "portal-review-withdraw": "review",
    }
)
STAFF_ID_ROUTES = [
    "adverse-event-detail", "adverse-event-task-done", "adverse-event-create", "outcome-scores",
    "review-publish", "review-reject",
]  # fmt: skip


def _p(world: ClinicWorld) -> Any:
    """The practitioner, who opens and manages adverse events."""
    return world.memberships["practitioner"]


def objects(world: ClinicWorld) -> dict[str, Any]:
    """One object of each kind the routes above take, in ``world``'s clinic."""
    event = open_adverse_event(
        world.clinic, actor=_p(world), client=world.client, source="staff", type="infection"
    )  # type: ignore[arg-type]
    done = finished_series(world)
    review = submit_review(ClientActor(world.client), done, rating=5, text="Good")  # type: ignore[arg-type]
    return {
        "adverse_event": event,
        "follow_up_task": add_follow_up(event, actor=_p(world), title="Call back"),
        "client": world.client,
        "appointment": session(world, day(400)),
        "review": review,
        "series": finished_series(world),
    }


def _kwargs(route: str, pk: int, slug: str = "") -> dict[str, Any]:
    from tests.web.test_isolation import _named_routes

    pattern = dict(_named_routes())[route]
    name = pattern.split("<int:", 1)[1].split(">", 1)[0]
    return {name: pk, **({"slug": slug} if "<slug:slug>" in pattern else {})}


@pytest.mark.parametrize("route", STAFF_ID_ROUTES)
def test_other_clinics_ids_are_404(
    client: Any, clinic_a: ClinicWorld, clinic_b: ClinicWorld, route: str
) -> None:
    theirs = objects(clinic_b)[EXTRA_ROUTES[route]]
    client.force_login(clinic_a.users["owner"])
    url = reverse(route, kwargs=_kwargs(route, theirs.pk))
    assert client.get(url).status_code in (404, 405)
    form = {"action": "resolve", "resolution": "x", "reason": "x", "area": "x"}
    assert client.post(url, form).status_code == 404


def test_own_clinics_objects_are_reachable(client: Any, clinic_a: ClinicWorld) -> None:
    mine = objects(clinic_a)
    client.force_login(clinic_a.users["owner"])
    for route in ("adverse-event-detail", "adverse-event-create", "outcome-scores"):
        url = reverse(route, kwargs=_kwargs(route, mine[EXTRA_ROUTES[route]].pk))
        assert client.get(url).status_code == 200, route


def test_portal_routes_refuse_another_clinics_or_clients_ids(
    client: Any, clinic_a: ClinicWorld, clinic_b: ClinicWorld
) -> None:
    theirs = objects(clinic_b)
    session_ = client.session
    session_["portal_client"] = {"client": clinic_a.client.pk, "clinic": clinic_a.clinic.pk}  # type: ignore[attr-defined]
    session_.save()
    slug = clinic_a.clinic.slug  # type: ignore[attr-defined]
    write_route, withdraw_route = "portal-review-write", "portal-review-withdraw"
    write = reverse(write_route, kwargs=_kwargs(write_route, theirs["series"].pk, slug))
    assert client.get(write).status_code == 404
    withdraw = reverse(withdraw_route, kwargs=_kwargs(withdraw_route, theirs["review"].pk, slug))
    assert client.post(withdraw).status_code == 404
    theirs["review"].refresh_from_db()
    assert theirs["review"].status == "pending"


ROLES = {
    "adverse-events": {"owner", "practitioner"},
    "adverse-events-export": {"owner", "practitioner"},
    "analytics": {"owner"},
    "analytics-export": {"owner"},
    "review-moderation": {"owner"},
}


@pytest.mark.parametrize("route", sorted(ROLES))
def test_role_matrix(client: Any, clinic_a: ClinicWorld, route: str) -> None:
    for role in ("owner", "practitioner", "front_desk"):
        client.force_login(clinic_a.users[role])
        assert client.get(reverse(route)).status_code == (200 if role in ROLES[route] else 403), (route, role)
    client.logout()
    assert client.get(reverse(route)).status_code == 302


def test_front_desk_cannot_open_clinical_id_routes(client: Any, clinic_a: ClinicWorld) -> None:
    mine = objects(clinic_a)
    client.force_login(clinic_a.users["front_desk"])
    for route in ("adverse-event-detail", "adverse-event-create", "outcome-scores"):
        url = reverse(route, kwargs=_kwargs(route, mine[EXTRA_ROUTES[route]].pk))
        assert client.get(url).status_code == 403, route


def test_public_reviews_page_needs_no_sign_in(client: Any, clinic_a: ClinicWorld) -> None:
    assert client.get(reverse("reviews-public", args=[clinic_a.clinic.slug])).status_code == 200  # type: ignore[attr-defined]
    assert client.get(reverse("reviews-public", args=["no-such-clinic"])).status_code == 404
