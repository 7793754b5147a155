"""Each route admits exactly the roles it should; anonymous visitors are sent to sign in.

The matrix is generated from the URL conf: every named route is either a staff view
(`staff_view(*roles)` records `allowed_roles` on it) and then tested for every role — allowed →
anything but 403, others → 403, anonymous → the login page — or it is on the small, explained
`NOT_STAFF` list below. A new route that is neither fails the census. Another clinic's objects
are covered per id route by tests/web/test_isolation.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, cast

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from needlepoint.clinic.accounts.models import Role, User
from needlepoint.clinic.clinics.models import Clinic
from tests.conftest import ClinicWorld

OWNER, PRACT, DESK = Role.OWNER.value, Role.PRACTITIONER.value, Role.FRONT_DESK.value
EVERYONE = {OWNER, PRACT, DESK}

# Pinned expectations: the roles some routes must admit, checked against the decorator so a
# loosened `staff_view(...)` is caught. Optional: every staff route is tested either way.
ROUTES: dict[str, set[str]] = {
    "dashboard": EVERYONE,
    "client-list": EVERYONE,
    "client-detail": EVERYONE,
    "client-archive": {OWNER},
    "client-unarchive": {OWNER},
    "client-merge": {OWNER},
    "clinic-settings": {OWNER},
    "staff-list": {OWNER},
    "rota": {OWNER},
    "rota-edit": {OWNER},
    "audit-log": {OWNER},
    "calendar": EVERYONE,
    "booking-policy": {OWNER},
    "my-feed": {OWNER, PRACT},
    "messaging-templates": {OWNER},
    "reaction-reports": {OWNER, PRACT},
    "adverse-events": {OWNER, PRACT},
    "plan-create": {OWNER, PRACT},
    "price-list": {OWNER},
    "stripe-settings": {OWNER},
    "client-packages": EVERYONE,  # practitioners tell clients what is left on their package
    "package-sell": {OWNER, DESK},
    "package-refund": {OWNER},
    "membership-cancel": {OWNER, DESK},  # inside the minimum term: owners only (the service)
    "membership-plans": {OWNER},
}

# Routes that are not staff views, and why. Keep this short: each entry is an exception.
NOT_STAFF_NAMES = {
    "healthz",  # load balancer probe: no data, no session
    "login",
    "logout",
    "2fa-setup",  # signed-in user setting up their own second factor
    "2fa-verify",
    "reauth",  # the signed-in user confirming their own password (tests/web/account/test_sessions.py)
    "invitation-accept",  # secret single-use link (tests/web/setup/test_staff_invitations.py)
    "switch-clinic",  # checks membership of the target clinic itself (tests/web/test_isolation.py)
    "switch-clinic-moved",  # old path of switch-clinic: redirects there (308)
    "calendar-feed",  # secret-token iCalendar feed (tests/clinic/booking/test_dst_and_ical.py)
    "learn-index",  # public protocol pages
    "learn-topic",
    "reviews-public",  # a clinic's published reviews
    # provider webhooks: Twilio-signed SMS, secret-keyed email (tests/web/messaging/test_inbound_replies.py)
    "inbound-sms",
    "inbound-email",
    "inbound-email-secret",
    "stripe-webhook",  # Stripe-signed events (tests/clinic/payments/test_stripe_webhooks.py)
}
NOT_STAFF_PATTERNS = [
    re.compile(r"^portal/"),  # client portal: magic-link session of one client (tests/portal/test_portal.py)
    re.compile(r"^api/"),  # Django Ninja API: token auth with its own role checks (tests/api)
]

LOGIN = "/account/login/"


def _routes(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[tuple[str, str, Callable]]:
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            yield entry.name, prefix + str(entry.pattern), entry.callback


def staff_routes() -> dict[str, frozenset[str]]:
    return {
        name: frozenset(getattr(view, "allowed_roles"))  # noqa: B009 — set by staff_view
        for name, _, view in _routes()
        if getattr(view, "allowed_roles", None) is not None
    }


def _not_staff(name: str, pattern: str) -> bool:
    return name in NOT_STAFF_NAMES or any(p.match(pattern) for p in NOT_STAFF_PATTERNS)


def _url(name: str, world: ClinicWorld) -> str:
    """Any id will do: the role gate runs before the view looks anything up (an allowed role
    then gets a 404 for a missing object, which is 'not 403')."""
    pattern = next(p for n, p, _ in _routes() if n == name)
    kwargs: dict[str, object] = {}
    for converter, key in re.findall(r"<(?:(\w+):)?(\w+)>", pattern):
        kwargs[key] = {"int": 999_999_999, "slug": cast(Clinic, world.clinic).slug}.get(converter, "x")
    return reverse(name, kwargs=kwargs)


def test_every_route_is_a_staff_view_or_an_explained_exception() -> None:
    staff = staff_routes()
    uncovered = sorted(n for n, p, _ in _routes() if n not in staff and not _not_staff(n, p))
    assert not uncovered, f"routes neither behind staff_view nor in NOT_STAFF: {uncovered}"
    assert len(staff) >= 40
    stale = sorted(NOT_STAFF_NAMES - {n for n, _, _ in _routes()})
    assert not stale, f"NOT_STAFF_NAMES lists routes that no longer exist: {stale}"


def test_pinned_expectations_match_the_decorators() -> None:
    staff = staff_routes()
    wrong = {n: sorted(staff.get(n, ())) for n, roles in ROUTES.items() if staff.get(n) != roles}
    assert not wrong, wrong


def test_role_matrix(clinic_a: ClinicWorld) -> None:
    """One world, one signed-in client per role, every staff route; all failures reported together."""
    from django.test import Client

    clients = {role: Client() for role in EVERYONE}
    for role, http in clients.items():
        http.force_login(cast(User, clinic_a.users[role]))
    anonymous = Client()
    failures = []
    for name, allowed in sorted(staff_routes().items()):
        url = _url(name, clinic_a)
        method = "get" if clients[OWNER].get(url).status_code != 405 else "post"  # POST-only views
        for role, http in clients.items():
            status = getattr(http, method)(url).status_code
            if (status == 403) == (role in allowed):
                failures.append((name, role, method, status))
        response = getattr(anonymous, method)(url)
        if response.status_code != 302 or not response["Location"].startswith(LOGIN):
            failures.append((name, "anonymous", method, response.status_code))
    assert not failures, failures


def test_archive_is_owner_only(client: Any, clinic_a: ClinicWorld) -> None:
    me: Any = clinic_a.client
    url = reverse("client-archive", kwargs={"pk": me.pk})
    for role in (PRACT, DESK):
        client.force_login(clinic_a.users[role])
        assert client.post(url).status_code == 403
    me.refresh_from_db()
    assert not me.is_archived
    client.force_login(clinic_a.users[OWNER])
    assert client.post(url).status_code == 302
    me.refresh_from_db()
    assert me.is_archived


def test_user_without_a_clinic_gets_403(client: Any, db: None) -> None:
    client.force_login(User.objects.create_user("drifter@example.com", "x" * 12))
    assert client.get(reverse("client-list")).status_code == 403


def test_deactivated_membership_loses_access(client: Any, clinic_a: ClinicWorld) -> None:
    membership: Any = clinic_a.memberships[PRACT]
    membership.is_active = False
    membership.save()
    client.force_login(clinic_a.users[PRACT])
    assert client.get(reverse("client-list")).status_code == 403
