"""The staff shell in a real browser: sign in, find a client with htmx live search, switch clinic."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from needlepoint.clinic.accounts.models import Membership, Role
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD, ClinicWorld

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_search_and_switch_clinic(page, clinic_a: ClinicWorld, clinic_b: ClinicWorld) -> None:  # type: ignore[no-untyped-def]
    user = clinic_a.users[Role.OWNER]
    Membership.objects.create(clinic=clinic_b.clinic, user=user, role=Role.PRACTITIONER)

    page.goto("/")
    assert "/account/login/" in page.url
    page.fill("#id_username", user.email)
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    assert page.locator(".error").first.inner_text().lower().startswith("please enter a correct email")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    # The dashboard is the day sheet of the clinic's location; the switcher names the clinic.
    assert page.locator("h1").inner_text() == "Today at A High Street"
    assert page.locator("#clinic-switch option:checked").inner_text() == "Clinic A"
    screenshot(page, "shell-dashboard")

    page.click("nav >> text=Clients")
    page.fill("#q", "ZeldaA")
    # htmx swaps the rows in place without a page load.
    page.wait_for_function("document.querySelector('#client-rows').innerText.includes('ClientA, ZeldaA')")
    page.fill("#q", "nobody-by-this-name")
    page.wait_for_function("document.querySelector('#client-rows').innerText.includes('No clients match')")
    screenshot(page, "shell-client-search")

    # An arrow key on the switcher only chooses; nothing happens until "Switch" (issue 18).
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.focus("#clinic-switch")
    page.keyboard.press("ArrowDown")
    page.wait_for_function("document.querySelector('#clinic-switch').selectedIndex === 1")
    # The change event fires with the key press; a submit on change would be on its way by now.
    page.wait_for_timeout(300)
    assert posts == [] and "/clients/" in page.url
    page.select_option("#clinic-switch", str(clinic_b.clinic.pk))
    page.click("#clinic-switch-go")
    expect(page.locator("h1")).to_have_text("Today at B High Street")  # lands on clinic B's day sheet
    assert page.locator("#clinic-switch option:checked").inner_text() == "Clinic B"
    page.click("nav >> text=Clients")
    rows = page.locator("#client-rows").inner_text()
    assert "ZeldaB" in rows and "ZeldaA" not in rows
    # A practitioner in clinic B: no set-up menu.
    assert page.locator("nav >> text=Set-up").count() == 0
    screenshot(page, "shell-switched")

    # On a phone the switcher and its button stay on the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/")
    go = page.locator("#clinic-switch-go")
    box = go.bounding_box()
    assert go.is_visible() and box is not None and box["x"] + box["width"] <= 390
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    screenshot(page, "shell-switcher-390")
