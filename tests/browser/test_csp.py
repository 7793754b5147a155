"""The Content-Security-Policy (no inline script or style) breaks nothing on the main staff
and portal pages: Chromium reports no CSP violation on any of them (issue 21)."""

from __future__ import annotations

import pytest
from django.conf import settings

from needlepoint.portal.session import SESSION_KEY
from tests.api.worlds import TREATED_AT
from tests.clinic.booking.conftest import make_booking_world
from tests.clinic.treatments.helpers import appointment_at
from tests.conftest import PASSWORD, ClinicWorld

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_main_pages_raise_no_csp_violation(csp_page, live_server, clinic_a: ClinicWorld) -> None:  # type: ignore[no-untyped-def]
    from django.contrib.sessions.backends.db import SessionStore

    make_booking_world(clinic_a)
    appt = appointment_at(clinic_a, TREATED_AT)
    page = csp_page
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(f"{page.url}: {m.text}") if "Content Security Policy" in m.text else None,
    )
    page.goto("/account/login/")
    page.fill("#id_username", clinic_a.users["owner"].email)  # type: ignore[attr-defined]
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    day = TREATED_AT.date().isoformat()
    staff_pages = [
        "/",
        f"/calendar/?date={day}",
        f"/calendar/?date={day}&view=week",
        "/clients/",
        f"/clients/{clinic_a.client.pk}/",  # type: ignore[attr-defined]
        f"/clients/{clinic_a.client.pk}/series/new/",  # type: ignore[attr-defined]
        f"/appointments/{appt.pk}/",
        f"/appointments/{appt.pk}/treatment/",
        "/settings/booking-policy/",
        "/adverse-events/",
        "/api/docs",
    ]
    for path in staff_pages:
        page.goto(path)
        page.wait_for_load_state("load")
    # The calendar's blocks are placed by calendar.js from data attributes.
    page.goto(f"/calendar/?date={day}")
    block = page.locator(".cal-appt").first
    # (minutes from the top of the day × calendar.js's 1.2 px per minute)
    top = block.evaluate("el => parseFloat(el.style.top)")
    assert top == pytest.approx(float(block.get_attribute("data-top")) * 1.2) and top > 0

    store = SessionStore()
    store[SESSION_KEY] = {"client": clinic_a.client.pk, "clinic": clinic_a.clinic.pk}  # type: ignore[attr-defined]
    store.save()
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": store.session_key, "url": live_server.url}]
    )
    slug = clinic_a.clinic.slug  # type: ignore[attr-defined]
    for path in (f"/portal/{slug}/", f"/portal/{slug}/login/", "/learn/"):
        page.goto(path)
        page.wait_for_load_state("load")
    assert not violations, "\n".join(violations)
