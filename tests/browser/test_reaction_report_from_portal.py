"""A signed-in portal client on a phone (390×844) opens the reaction report from the portal
home, reports a red-flag symptom and is told to call now, with the clinic's number to tap;
nothing on the way is wider than the screen (issue 18)."""

from __future__ import annotations

import pytest
from django.conf import settings

from needlepoint.clinic.messaging.models import ReactionReport
from needlepoint.clinic.messaging.reactions import SYMPTOMS
from needlepoint.clinic.outcomes.models import AdverseEvent
from tests.browser.conftest import screenshot
from tests.conftest import ClinicWorld

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 390


def _fits(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= WIDTH, f"{page.url} is {width}px wide"


def test_red_flag_report_from_the_portal_home(browser, live_server, clinic_a: ClinicWorld) -> None:  # type: ignore[no-untyped-def]
    from django.contrib.sessions.backends.db import SessionStore

    from needlepoint.portal.session import SESSION_KEY

    clinic_a.location.phone = "+44 20 7946 0958"  # type: ignore[attr-defined]
    clinic_a.location.save()  # type: ignore[attr-defined]
    store = SessionStore()
    store[SESSION_KEY] = {"client": clinic_a.client.pk, "clinic": clinic_a.clinic.pk}  # type: ignore[attr-defined]
    store.save()
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": WIDTH, "height": 844}, locale="en-GB", has_touch=True
    )
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": store.session_key, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"/portal/{clinic_a.clinic.slug}/")  # type: ignore[attr-defined]
        _fits(page)
        page.click("#reaction >> text=Report a reaction")
        page.wait_for_selector("form >> text=What do you notice?")
        _fits(page)

        page.check("input[name=symptoms][value=spreading_redness]")
        page.fill("textarea[name=free_text]", "The redness on my cheek is spreading and hot")
        page.click("button:has-text('Send')")
        page.wait_for_selector("h1:has-text('Thank you')")

        # What to do now: the urgent message, then the clinic's number to tap and the red flags.
        alert = page.locator("[role=alert]")
        assert alert.is_visible() and "call the clinic or emergency services now" in alert.inner_text()
        phone = page.locator("#call-now a[href='tel:+442079460958']")
        assert phone.is_visible() and phone.inner_text() == "+44 20 7946 0958"
        box = phone.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH
        call_now = page.locator("#call-now").inner_text()
        assert "Call the clinic now" in call_now and SYMPTOMS["spreading_redness"].lower() in call_now
        _fits(page)
        screenshot(page, "reaction-red-flag-390")

        report = ReactionReport.objects.get()
        assert report.client_id == clinic_a.client.pk and report.symptoms == ["spreading_redness"]  # type: ignore[attr-defined]
        assert AdverseEvent.objects.filter(client=clinic_a.client).exists()  # the clinic is alerted
    finally:
        context.close()
