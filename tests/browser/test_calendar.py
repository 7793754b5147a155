"""Booking a series from the client's page in a few clicks, then dragging a session on the calendar."""

from __future__ import annotations

import itertools
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from needlepoint.clinic.booking.models import Appointment
from tests.browser.conftest import screenshot
from tests.clinic.booking.conftest import make_booking_world
from tests.conftest import PASSWORD, ClinicWorld

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/account/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def test_book_series_then_drag_to_reschedule(page, clinic_a: ClinicWorld) -> None:  # type: ignore[no-untyped-def]
    bw = make_booking_world(clinic_a, practitioners=2, rooms=2, days=(0, 1, 2, 3, 4, 5, 6))
    _login(page, clinic_a.users["front_desk"].email)

    page.goto(f"/clients/{clinic_a.client.pk}/")
    page.click("text=Book a series")
    page.select_option("#course", "acne_scars:3")  # the protocol's course for grade 3 scars
    page.wait_for_url("**course=acne_scars*")
    page.select_option("#id_appointment_type", str(bw.kind.pk))  # type: ignore[attr-defined]
    page.click("text=Find times")
    page.wait_for_load_state("load")
    screenshot(page, "booking-after-search")
    page.wait_for_selector("text=Option 1")
    screenshot(page, "booking-options")
    page.click("button:has-text('Book option 1')")
    page.wait_for_selector("text=Booked 4 sessions")
    appts = list(
        Appointment.objects.filter(client=clinic_a.client).order_by("start").select_related("location")
    )
    assert len(appts) == 4
    gaps = [(b.start - a.start).days for a, b in itertools.pairwise(appts)]
    assert all(28 <= g <= 35 for g in gaps), gaps

    first = appts[0]
    original_start = first.start
    zone = ZoneInfo(first.location.timezone)
    day = first.start.astimezone(zone).date()
    page.goto(f"/calendar/?date={day.isoformat()}")
    block = page.locator(f'[data-appointment="{first.pk}"]')
    assert block.is_visible()
    screenshot(page, "calendar-day-before-drag")
    # Drag two hours later, into the other practitioner's column.
    other = next(p for p in bw.practitioners if p.pk != first.practitioner_id)
    arrival_later = (first.arrival + timedelta(hours=2)).isoformat()
    target = page.locator(
        f'.cal-body[data-practitioner="{other.pk}"] .cal-slot[data-start="{arrival_later}"]'
    )
    block.drag_to(target)
    # The page reloads after a successful move; a refusal leaves its reason in #cal-message.
    page.wait_for_function(
        "document.getElementById('cal-message') === null"
        " || document.getElementById('cal-message').textContent.length > 0"
        " || performance.getEntriesByType('navigation')[0].type === 'reload'"
    )
    page.wait_for_load_state("load")
    message = page.locator("#cal-message").text_content() or ""
    assert message in ("", "Moved."), message
    first.refresh_from_db()
    assert first.start == original_start + timedelta(hours=2)
    assert first.practitioner_id == other.pk
    screenshot(page, "calendar-day-after-drag")

    # Click-to-reschedule with an impossible time explains the conflict instead of moving.
    page.goto(f"/appointments/{appts[1].pk}/")
    page.fill("#id_new_date", (original_start.astimezone(zone).date() + timedelta(days=3)).isoformat())
    page.fill("#id_new_time", "10:00")
    page.click("text=Check and move")
    assert page.locator(".error").first.is_visible()
    screenshot(page, "move-review")
