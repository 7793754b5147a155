"""The client journey in real Chromium: tablet intake (with a mistake first) → screening with
acknowledgements → plan confirmed → consent drawn and signed on the tablet → series booked."""

from __future__ import annotations

import datetime as dt

import pytest

from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.booking.models import Appointment, AppointmentType, WeeklyShift
from needlepoint.clinic.consent.selectors import valid_consent_for_plan
from needlepoint.clinic.consent.services import require_consent
from needlepoint.clinic.plans.models import TreatmentPlan
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD, ClinicWorld

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EVERY_DAY = {d: [["08:00", "19:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def _bookable_clinic(world: ClinicWorld) -> None:
    world.location.opening_hours = EVERY_DAY
    world.location.save()
    practitioner = world.memberships[Role.PRACTITIONER]
    practitioner.locations.add(world.location)
    for weekday in range(7):
        WeeklyShift.objects.create(
            clinic=world.clinic,
            practitioner=practitioner,
            location=world.location,
            weekday=weekday,
            start=dt.time(9, 0),
            end=dt.time(18, 0),
        )
    AppointmentType.objects.create(
        clinic=world.clinic, name="Microneedling", duration_minutes=60, numbing_minutes=45
    )


def test_intake_to_booking(page, clinic_a: ClinicWorld, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    _bookable_clinic(clinic_a)
    user = clinic_a.users[Role.PRACTITIONER]
    client = clinic_a.client
    page.goto("/account/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")

    # --- intake on the tablet, first with a mistake ---
    page.goto(f"/clients/{client.pk}/")
    page.click("text=Intake on tablet")
    assert page.locator("nav[aria-label=Main]").count() == 0
    page.select_option("#id_area_cheeks", "acne_scars")
    page.select_option("#id_area_forehead", "fine_lines")
    page.select_option("#id_fitzpatrick", "4")
    page.check("#id_cond_herpes_simplex_history")
    page.select_option("#id_med_isotretinoin", "stopped")  # but no date: a clear error
    page.fill("#id_goals", "Smoother cheeks")
    page.click("text=Send my answers")
    assert "Give the date you stopped." in page.content()
    assert page.input_value("#id_goals") == "Smoother cheeks"
    assert page.input_value("#id_area_cheeks") == "acne_scars"
    screenshot(page, "journey-01-intake-error")
    page.fill("#id_med_isotretinoin_stopped", "2023-01-15")
    page.click("text=Send my answers")
    page.wait_for_selector("text=hand the tablet back")
    screenshot(page, "journey-02-intake-done")
    page.click("text=Staff: continue")

    # --- screening ---
    page.click("text=Screen and plan")
    page.select_option("#id_device", str(clinic_a.device.pk))
    page.click("text=Run screening")
    page.wait_for_selector("#screening")
    assert page.locator(".finding.REQUIRE").count() == 1 and page.locator(".finding.WARN").count() >= 1
    screenshot(page, "journey-03-screening")
    page.click("#confirm-plan")
    assert "Not yet acknowledged" in page.locator("[role=alert]").last.inner_text()
    while page.locator("form.inline-form button:has-text('Acknowledge')").count():
        form = page.locator("form.inline-form").filter(has_text="Acknowledge").first
        form.locator("textarea").fill("Valaciclovir prescribed by Dr Khan; discussed pigment risk.")
        form.locator("button").click()
        page.wait_for_load_state()
    screenshot(page, "journey-04-acknowledged")

    # --- plan ---
    page.click("#confirm-plan")
    page.wait_for_selector("#generate-consent")
    assert page.locator("#plan-status").inner_text() == "Confirmed"
    plan = TreatmentPlan.objects.get(client=client)
    assert plan.is_confirmed and plan.areas.count() == 2
    screenshot(page, "journey-05-plan-confirmed")

    # --- consent on the tablet with a drawn signature ---
    page.click("#generate-consent")
    page.click("#sign-on-tablet")
    assert "Results may vary" in page.locator("#consent-text").inner_text()
    page.fill("#id_typed_name", client.full_name)
    page.check("#id_agree")
    box = page.locator("#sigpad").bounding_box()
    x, y = box["x"], box["y"]
    page.mouse.move(x + 30, y + 120)
    page.mouse.down()
    for i in range(1, 30):
        page.mouse.move(x + 30 + i * 12, y + 120 - (i % 6) * 14, steps=2)
    page.mouse.up()
    screenshot(page, "journey-06-consent-signing")
    page.click("#sign-form button[type=submit]")
    page.wait_for_selector("text=Your consent is signed")
    signature = valid_consent_for_plan(plan)
    assert signature is not None and require_consent(plan) == signature
    page.click("text=Staff: continue")
    assert "Signed" in page.locator("#consent-status").inner_text()
    screenshot(page, "journey-07-consent-signed")

    # --- booking the plan's series (the lead's series page) ---
    page.goto(f"/plans/{plan.pk}/")
    page.click("#book-series")
    plan.refresh_from_db()
    page.select_option("#id_appointment_type", label="Microneedling")
    # The series comes from the plan: prefilled (and fixed) when the page knows ?plan=.
    values = {
        "#id_sessions": str(plan.sessions),
        "#id_first_earliest": plan.first_earliest.isoformat(),
        "#id_first_latest": plan.first_latest.isoformat(),
        "#id_gap_min_days": str(plan.gap_min_days),
        "#id_gap_max_days": str(plan.gap_max_days),
    }
    for selector, value in values.items():
        field = page.locator(selector)
        if field.is_enabled():
            field.fill(value)
        else:
            assert field.input_value() == value, selector
    page.click("text=Find times")
    page.wait_for_selector("text=Book option 1")
    screenshot(page, "journey-08-series-options")
    page.click("text=Book option 1")
    page.wait_for_url(f"**/clients/{client.pk}/")
    assert Appointment.objects.filter(client=client).count() == plan.sessions
    screenshot(page, "journey-09-booked")
