"""Outcomes and reviews in a real browser: a practitioner scores two sessions and sees the SVG
chart on the client page (with JavaScript off: it is server-rendered); the owner publishes a
review that then shows on the clinic's public page with the "results may vary" notice."""

from __future__ import annotations

import pytest

from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.permissions import ClientActor
from needlepoint.clinic.reviews.services import submit_review
from tests.browser.conftest import screenshot
from tests.clinic.outcomes.helpers import day, finished_series, session
from tests.conftest import PASSWORD, ClinicWorld

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/account/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def test_outcome_chart_and_published_review(browser, live_server, page, clinic_a: ClinicWorld) -> None:  # type: ignore[no-untyped-def]
    first, second = session(clinic_a, day(0)), session(clinic_a, day(30))
    _sign_in(page, clinic_a.users[Role.PRACTITIONER].email)  # type: ignore[attr-defined]
    for appt, quantitative in ((first, "22"), (second, "15")):
        page.goto(f"/appointments/{appt.pk}/outcomes/")
        page.fill("#id_area", "cheeks")
        page.fill("#id_goodman_baron_quantitative", quantitative)
        page.click("text=Save scores")
        page.wait_for_selector("text=Scores saved.")
    page.goto(f"/clients/{clinic_a.client.pk}/")  # type: ignore[attr-defined]
    chart = page.locator("#outcomes svg.outcome-chart").first
    chart.wait_for()
    assert chart.locator("circle.point").count() == 2
    assert page.locator("#outcomes circle.point").nth(1).get_attribute("data-value") == "15"
    box = chart.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 100  # drawn, not collapsed
    screenshot(page, "outcomes-client-chart")

    # The same page with JavaScript disabled still shows the chart.
    no_js = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    p2 = no_js.new_page()
    _sign_in(p2, clinic_a.users[Role.PRACTITIONER].email)  # type: ignore[attr-defined]
    p2.goto(f"/clients/{clinic_a.client.pk}/")  # type: ignore[attr-defined]
    assert p2.locator("#outcomes svg.outcome-chart circle.point").count() == 2
    no_js.close()

    text = "Smoother skin, kind team."
    review = submit_review(ClientActor(clinic_a.client), finished_series(clinic_a), rating=5, text=text)  # type: ignore[arg-type]
    page.click("form >> text=Sign out")
    _sign_in(page, clinic_a.users[Role.OWNER].email)  # type: ignore[attr-defined]
    page.goto("/reviews/")
    page.locator(f"#review-{review.pk} >> text=Publish").click()
    page.wait_for_selector("text=Review published.")
    page.goto(f"/c/{clinic_a.clinic.slug}/reviews/")  # type: ignore[attr-defined]
    assert "Results may vary" in page.locator("#results-vary").inner_text()
    article = page.locator("article.review").first
    assert "Smoother skin, kind team." in article.inner_text()
    assert "Treatment: Microneedling face" in article.inner_text()
    screenshot(page, "reviews-public-page")
