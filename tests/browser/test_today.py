"""The day sheet in real Chromium at desk and phone widths: check in → arrived, start numbing →
numbing with its ready time; nothing wider than the viewport."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from needlepoint import clock
from needlepoint.clinic.accounts.models import Role
from tests.browser.conftest import screenshot
from tests.clinic.journey_helpers import confirmed_plan, signed
from tests.clinic.treatments.helpers import appointment_at
from tests.conftest import PASSWORD, ClinicWorld

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _soon_today(world: ClinicWorld) -> datetime:
    """40 minutes from now, unless that is tomorrow where the clinic is (the sheet shows the
    location's today: a run late in the evening failed here), then earlier this evening."""
    zone = ZoneInfo(world.location.timezone)  # type: ignore[attr-defined]
    now = clock.now()
    soon = now + timedelta(minutes=40)
    if soon.astimezone(zone).date() == now.astimezone(zone).date():
        return soon
    return now - timedelta(minutes=30)


@pytest.mark.parametrize("width", [1280, 390])
def test_check_in_and_start_numbing_from_the_day_sheet(page, clinic_a: ClinicWorld, width: int) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": width, "height": 900})
    signed(clinic_a, confirmed_plan(clinic_a))
    appt = appointment_at(clinic_a, _soon_today(clinic_a))

    page.goto("/account/login/")
    page.fill("#id_username", clinic_a.users[Role.FRONT_DESK].email)  # type: ignore[attr-defined]
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")

    row = page.locator(f"[data-appointment='{appt.pk}']")
    assert row.get_attribute("data-state") == "expected"
    row.locator("button:has-text('Check in')").click()
    page.wait_for_selector("text=is checked in.")
    row = page.locator(f"[data-appointment='{appt.pk}']")
    assert row.get_attribute("data-state") == "arrived"
    row.locator("button:has-text('Start numbing')").click()
    page.wait_for_selector("text=Numbing started for")
    row = page.locator(f"[data-appointment='{appt.pk}']")
    assert row.get_attribute("data-state") == "numbing"
    assert "ready at" in row.inner_text()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the day sheet is {overflow}px wider than a {width}px screen"
    screenshot(page, f"today-{width}")
