"""The reaction report on a phone (390×844) in real Chromium: nothing wider than the screen, the
clinic's number visible and callable, an empty report refused, a filled one sent."""

from __future__ import annotations

import pytest

from needlepoint.clinic.messaging import services
from needlepoint.clinic.messaging.models import ReactionReport
from tests.browser.conftest import screenshot
from tests.conftest import ClinicWorld

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _no_horizontal_overflow(page) -> None:  # type: ignore[no-untyped-def]
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths


def test_reaction_report_on_a_phone(browser, live_server, clinic_a: ClinicWorld) -> None:  # type: ignore[no-untyped-def]
    clinic_a.location.phone = "+44 20 7946 0958"  # type: ignore[attr-defined]
    clinic_a.location.save()  # type: ignore[attr-defined]
    token = services.checkin_token(clinic_a.client.pk, None)  # type: ignore[attr-defined]
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, locale="en-GB", has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"/portal/{clinic_a.clinic.slug}/reaction/?t={token}")  # type: ignore[attr-defined]
        phone = page.locator("#call-now a[href='tel:+442079460958']")
        assert phone.is_visible() and phone.text_content() == "+44 20 7946 0958"
        box = phone.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        _no_horizontal_overflow(page)
        screenshot(page, "reaction-report-390")

        page.click("button:has-text('Send')")
        page.wait_for_selector("text=Tick what you notice, write a few words or add a photo")
        _no_horizontal_overflow(page)
        assert ReactionReport.objects.count() == 0

        page.check("input[name=symptoms][value=swelling]")
        page.fill("textarea[name=free_text]", "Puffy under the eyes this morning")
        page.click("button:has-text('Send')")
        page.wait_for_selector("h1:has-text('Thank you')")
        assert page.locator("#call-now a[href^='tel:']").is_visible()
        _no_horizontal_overflow(page)
        report = ReactionReport.objects.get()
        assert report.symptoms == ["swelling"] and "Puffy" in report.free_text
    finally:
        context.close()
