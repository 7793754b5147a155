"""Setting up at night, on a laptop or a phone: an owner fills a location's opening hours on the
week grid (finding its time zone with the filter box) and a practitioner's rota grid, saves,
sees the result, and nothing on these pages is wider than the screen."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.booking.models import WeeklyShift
from needlepoint.clinic.clinics.models import Location
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD, ClinicWorld

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The right edge of every element on the page that sticks out past the viewport (none should).
TOO_WIDE = """() => {
  const root = document.documentElement, width = root.clientWidth, out = [];
  if (root.scrollWidth > width) out.push(`page ${root.scrollWidth}px`);
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width + 1) out.push(`${el.tagName}.${el.className} ${box.right}px`);
  }
  return out;
}"""


def _sign_in(page: Any, email: str) -> None:
    page.goto(reverse("login"))
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def _fits(page: Any) -> None:
    assert page.evaluate(TOO_WIDE) == []


@pytest.mark.parametrize("width", [1280, 390])
def test_owner_fills_the_opening_hours_and_rota_grids(  # type: ignore[no-untyped-def]
    page, clinic_a: ClinicWorld, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    loc: Any = clinic_a.location
    practitioner: Any = clinic_a.memberships[Role.PRACTITIONER]
    Location.objects.create(clinic=clinic_a.clinic, name="Soho Square", timezone="Europe/London")
    _sign_in(page, clinic_a.users[Role.OWNER].email)  # type: ignore[attr-defined]

    # --- opening hours -----------------------------------------------------------------------
    page.goto(reverse("locations-edit", args=[loc.pk]))
    zone_filter = page.get_by_label("Filter time zones")
    zone_filter.fill("dublin")  # the filter narrows the select and picks the match
    expect(page.locator("select[name=timezone]")).to_have_value("Europe/Dublin")
    expect(page.locator(".select-filter-status").first).to_contain_text("1 match")
    page.fill("[name=hours_mon_open_1]", "08:30")
    page.fill("[name=hours_mon_close_1]", "12:30")
    page.fill("[name=hours_mon_open_2]", "13:30")
    page.fill("[name=hours_mon_close_2]", "18:00")
    page.uncheck("[name=hours_sat_closed]")
    page.fill("[name=hours_sat_open_1]", "10:00")
    page.fill("[name=hours_sat_close_1]", "09:00")  # a mistake, shown on Saturday's row
    _fits(page)
    screenshot(page, f"setup-hours-filled-{width}")
    page.click("button:has-text('Save')")
    saturday = page.locator(".week-day[data-day=sat]")
    expect(saturday).to_contain_text("Saturday: closing time 09:00 is not after opening 10:00.")
    expect(page.locator("[name=hours_mon_open_2]")).to_have_value("13:30")  # the rest is kept
    expect(page.locator("select[name=timezone]")).to_have_value("Europe/Dublin")
    _fits(page)
    screenshot(page, f"setup-hours-error-{width}")
    page.fill("[name=hours_sat_close_1]", "14:00")
    page.click("button:has-text('Save')")
    page.wait_for_url("**" + reverse("locations-list"))
    expect(page.locator("table")).to_contain_text("Mon 08:30–12:30, 13:30–18:00")
    expect(page.locator("table")).to_contain_text("Sat 10:00–14:00")
    _fits(page)
    screenshot(page, f"setup-hours-saved-{width}")
    loc.refresh_from_db()
    assert loc.timezone == "Europe/Dublin"
    assert loc.opening_hours["mon"] == [["08:30", "12:30"], ["13:30", "18:00"]]
    assert "sun" not in loc.opening_hours

    # --- the rota ------------------------------------------------------------------------------
    page.goto(reverse("staff-list"))
    page.click(f"a[href='{reverse('rota-edit', args=[practitioner.pk])}']")
    expect(page.locator("h1")).to_contain_text("Week of")
    page.select_option("[name=d0_location_1]", label="A High Street")
    page.fill("[name=d0_start_1]", "09:00")
    page.fill("[name=d0_end_1]", "13:00")
    page.select_option("[name=d0_location_2]", label="Soho Square")
    page.fill("[name=d0_start_2]", "12:00")  # overlaps the morning: refused
    page.fill("[name=d0_end_2]", "17:00")
    page.select_option("[name=d3_location_1]", label="Soho Square")
    page.fill("[name=d3_start_1]", "10:00")
    page.fill("[name=d3_end_1]", "16:00")
    _fits(page)
    screenshot(page, f"setup-rota-filled-{width}")
    page.click("button:has-text('Save the week')")
    monday = page.locator(".rota-day[data-day='0']")
    expect(monday).to_contain_text("one person cannot work at two locations at the same time")
    expect(page.locator("[name=d3_start_1]")).to_have_value("10:00")
    _fits(page)
    screenshot(page, f"setup-rota-error-{width}")
    page.fill("[name=d0_start_2]", "13:00")  # back to back is fine
    page.click("button:has-text('Save the week')")
    page.wait_for_url("**" + reverse("rota"))
    expect(page.locator(".messages")).to_contain_text("3 shifts a week")
    week = page.locator(".rota-week")
    expect(week).to_contain_text("09:00–13:00 at A High Street; 13:00–17:00 at Soho Square")
    expect(page.locator(".rota-week")).to_contain_text("10:00–16:00 at Soho Square")
    _fits(page)
    screenshot(page, f"setup-rota-saved-{width}")
    assert WeeklyShift.objects.filter(practitioner=practitioner).count() == 3
