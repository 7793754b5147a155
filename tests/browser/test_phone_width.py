"""Every portal and public page fits a 390×844 phone (issue 18): real Chromium, one browser,
``document.documentElement.scrollWidth <= 390`` on each.

The pages come from the URL resolver, not from a list typed here: every route of the portal's
URL module, the Learn pages and the public review page. A route is either visited (with the
test world's objects as its arguments) or named in NOT_PAGES with the reason it is no page (a
PDF, a POST-only action…), so a new portal route fails test_every_route_is_classified until it
is visited here. The clinic tablet's intake and consent pages (handed to the client in the
clinic) are visited too.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse

from needlepoint import clock
from needlepoint.clinic.accounts.models import Role
from needlepoint.portal import urls as portal_urls
from needlepoint.portal.learn import ORDER as LEARN_TOPICS
from needlepoint.web.reviews import urls as review_urls
from tests.conftest import PASSWORD, ClinicWorld
from tests.routes import Route, flat_routes

WIDTH, HEIGHT = 390, 844

#: Portal and public routes that are no page to look at, and why.
NOT_PAGES = {
    "portal-logout": "POST only (signs out)",
    "portal-appointment-cancel": "POST only (a GET goes back to the session page)",
    "portal-review-withdraw": "POST only",
    "portal-appointment-ics": "a calendar file",
    "portal-consent-pdf": "a PDF",
    "portal-quote-pdf": "a PDF",
    "portal-invoice-pdf": "a PDF",
    "portal-intake-photo": "an image",
}
#: Pages seen signed out only (a signed-in client is sent on, or the link is used up).
ANONYMOUS_ONLY = {"portal-login", "portal-redeem"}


def portal_routes() -> list[Route]:
    return list(flat_routes(portal_urls.urlpatterns, ("slug",)))


def public_routes() -> list[Route]:
    return [
        *flat_routes(portal_urls.learn_urlpatterns),
        *flat_routes(review_urls.public_urlpatterns, ("slug",)),
    ]


def test_every_route_is_classified() -> None:
    names = {r.name for r in portal_routes() + public_routes()}
    assert set(NOT_PAGES) <= names, f"stale: {sorted(set(NOT_PAGES) - names)}"
    assert names >= ANONYMOUS_ONLY
    # Each remaining route is visited, with arguments from _world(): none may lack one.
    for route in portal_routes() + public_routes():
        if route.name not in NOT_PAGES:
            missing = set(route.params) - set(PARAMS)
            assert not missing, f"{route.name}: add an object for {sorted(missing)} to _world()"


#: The URL arguments _world() provides (a list: every Learn topic is visited).
PARAMS = (
    "slug",
    "topic",
    "token",
    "appointment_pk",
    "document_pk",
    "plan_pk",
    "series_pk",
    "signature_pk",
    "photo_pk",
    "review_pk",
    "invoice_pk",
)


def _appointment(world: ClinicWorld) -> Any:
    """An upcoming session with free times around it (for the reschedule page)."""
    from needlepoint.clinic.booking.models import Appointment, AppointmentType, WeeklyShift

    world.location.opening_hours = {  # type: ignore[attr-defined]
        d: [["08:00", "19:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    }
    world.location.save()  # type: ignore[attr-defined]
    practitioner = world.memberships[Role.PRACTITIONER]
    practitioner.locations.add(world.location)  # type: ignore[attr-defined]
    for weekday in range(7):
        WeeklyShift.objects.create(
            clinic=world.clinic,
            practitioner=practitioner,
            location=world.location,
            weekday=weekday,
            start=time(9, 0),
            end=time(18, 0),
        )
    kind = AppointmentType.objects.create(clinic=world.clinic, name="Microneedling", duration_minutes=60)
    zone = ZoneInfo(world.location.timezone)  # type: ignore[attr-defined]
    soon = (clock.now() + timedelta(days=10)).astimezone(zone)
    local = soon.replace(hour=14, minute=0, second=0, microsecond=0)
    start = local.astimezone(ZoneInfo("UTC"))
    before = start - timedelta(minutes=45)
    end = start + timedelta(hours=1)
    return Appointment.objects.create(
        clinic=world.clinic,
        client=world.client,
        appointment_type=kind,
        location=world.location,
        practitioner=practitioner,
        room=world.room,
        start=start,
        end=end,
        arrival=before,
        practitioner_start=before,
        practitioner_end=end,
        room_start=before,
        room_end=end,
        busy_start=before,
        busy_end=end,
        fee_due=Decimal(0),
    )


def _magic_link(world: ClinicWorld) -> str:
    import secrets

    from needlepoint.portal.models import MagicLink
    from needlepoint.portal.services import _sha

    token = secrets.token_urlsafe(32)
    now = clock.now()
    MagicLink.objects.create(
        clinic=world.clinic,
        client=world.client,
        token_hash=_sha(token),
        created_at=now,
        expires_at=now + timedelta(minutes=15),
    )
    return token


def _world(world: ClinicWorld) -> dict[str, list[Any]]:
    from needlepoint.clinic.pricing.services import price_list_for, save_price_list
    from tests.web.journey.test_journey_access import _objects as journey_objects
    from tests.web.outcomes.test_outcome_access import objects as outcome_objects

    save_price_list(
        price_list_for(world.clinic),  # type: ignore[arg-type]
        {"cheeks": Decimal("120.00"), "forehead": Decimal("85.50")},
        [],
    )  # so the portal home links a quote
    journey = journey_objects(world)
    outcomes = outcome_objects(world)
    return {
        "slug": [world.clinic.slug],  # type: ignore[attr-defined]
        "topic": [slug for slug, _ in LEARN_TOPICS],
        "token": [_magic_link(world)],
        "appointment_pk": [_appointment(world).pk],
        "document_pk": [journey["document_pk"]],
        "plan_pk": [journey["plan_pk"]],
        "signature_pk": [journey["signature_pk"]],
        "photo_pk": [journey["photo_pk"]],
        "series_pk": [outcomes["series"].pk],
        "review_pk": [outcomes["review"].pk],
        "invoice_pk": [_invoice(world).pk],
    }


def _invoice(world: ClinicWorld) -> Any:
    """A receipt in the portal: a serum bought and paid in cash."""
    from django.db import transaction

    from needlepoint import clock
    from needlepoint.clinic.payments.invoices import LineSpec, issue_invoice
    from needlepoint.clinic.payments.tenders import TenderSpec, new_tender

    desk = world.memberships[Role.FRONT_DESK]
    line = LineSpec(kind="product", description="Recovery serum", unit_price_minor=3500)
    with transaction.atomic():
        invoice = issue_invoice(world.client, [line], at=clock.now(), by=desk)  # type: ignore[arg-type]
        new_tender(world.client, TenderSpec("cash", 3500), at=clock.now(), by=desk, invoice=invoice)  # type: ignore[arg-type]
    return invoice


def _urls(route: Route, objects: dict[str, list[Any]]) -> Iterator[str]:
    """The route reversed with each of the world's values (every topic for a Learn topic)."""
    varying = [p for p in route.params if len(objects[p]) > 1]
    fixed = {p: objects[p][0] for p in route.params}
    if not varying:
        yield reverse(route.name, kwargs=fixed)
        return
    (param,) = varying
    for value in objects[param]:
        yield reverse(route.name, kwargs=fixed | {param: value})


def _overflow(page: Any) -> int:
    return int(page.evaluate("() => document.documentElement.scrollWidth"))


def _wider_than_the_screen(page: Any) -> list[str]:
    """What sticks out past the right edge (for the failure message)."""
    return list(
        page.evaluate(
            """(w) => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > w + 0.5)
                .slice(0, 5)
                .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                     + (typeof e.className === 'string' && e.className
                        ? '.' + e.className.split(' ').join('.') : '')
                     + ' ' + Math.round(e.getBoundingClientRect().right) + 'px')""",
            WIDTH,
        )
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_portal_and_public_page_fits_a_phone(browser, live_server, clinic_a: ClinicWorld) -> None:  # type: ignore[no-untyped-def]
    from django.contrib.sessions.backends.db import SessionStore

    from needlepoint.portal.session import SESSION_KEY
    from tests.browser.conftest import screenshot

    objects = _world(clinic_a)
    visited: list[str] = []
    too_wide: list[str] = []

    def visit(page: Any, url: str, label: str) -> None:
        response = page.goto(url)
        assert response is not None and response.status < 400, (url, response and response.status)
        page.wait_for_load_state("load")
        width = _overflow(page)
        visited.append(url)
        screenshot(page, f"phone-{label}-{len(visited)}")
        if width > WIDTH:
            too_wide.append(f"{url} ({label}): {width}px; {_wider_than_the_screen(page)}")

    viewport = {"width": WIDTH, "height": HEIGHT}
    routes = [r for r in portal_routes() + public_routes() if r.name not in NOT_PAGES]
    public = {r.name for r in public_routes()}

    def context() -> Any:
        return browser.new_context(
            base_url=live_server.url, viewport=viewport, locale="en-GB", has_touch=True
        )

    anonymous = context()
    try:
        page = anonymous.new_page()
        page.set_default_timeout(10_000)
        for route in routes:
            if route.name in public or route.name in ANONYMOUS_ONLY:
                for url in _urls(route, objects):
                    visit(page, url, f"anonymous-{route.name}")
    finally:
        anonymous.close()

    signed_in = context()
    try:
        store = SessionStore()
        store[SESSION_KEY] = {"client": clinic_a.client.pk, "clinic": clinic_a.clinic.pk}  # type: ignore[attr-defined]
        store.save()
        signed_in.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": store.session_key, "url": live_server.url}]
        )
        page = signed_in.new_page()
        page.set_default_timeout(10_000)
        for route in routes:
            if route.name not in ANONYMOUS_ONLY:
                for url in _urls(route, objects):
                    visit(page, url, f"client-{route.name}")
        # The reschedule page's second step (a day's times).
        kwargs = {"slug": objects["slug"][0], "appointment_pk": objects["appointment_pk"][0]}
        page.goto(reverse("portal-appointment-reschedule", kwargs=kwargs))
        page.click("#pick-day a.choice >> nth=0")
        page.wait_for_selector("#pick-time")
        visit(page, page.url, "client-reschedule-times")
    finally:
        signed_in.close()

    # The clinic tablet: staff hand it to the client for the intake and the consent signature.
    tablet = context()
    try:
        page = tablet.new_page()
        page.set_default_timeout(10_000)
        page.goto("/account/login/")
        page.fill("#id_username", clinic_a.users[Role.FRONT_DESK].email)  # type: ignore[attr-defined]
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/")
        client_pk = clinic_a.client.pk  # type: ignore[attr-defined]
        visit(page, reverse("intake-tablet", kwargs={"client_pk": client_pk}), "tablet-intake")
        visit(
            page,
            reverse("consent-sign-tablet", kwargs={"document_pk": objects["document_pk"][0]}),
            "tablet-consent",
        )
    finally:
        tablet.close()

    assert len(visited) >= len(routes) + len(LEARN_TOPICS)
    assert not too_wide, "wider than a 390 px phone:\n" + "\n".join(too_wide)
