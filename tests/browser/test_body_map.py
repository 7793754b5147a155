"""The face map in real Chromium: a plan with the two cheeks apart is charted by clicking each
side on the map (different depths), one side by keyboard only; the charted sides are shaded by
depth; a left-profile photo is taken by clicking the map; at 390 px nothing overflows."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image

from needlepoint import clock
from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.treatments.models import ChartEntry, TreatmentPhoto
from tests.browser.conftest import screenshot, sign_in
from tests.clinic.journey_helpers import AreaEntry, confirmed_plan, intake_data, signed
from tests.clinic.treatments.helpers import appointment_at, lot
from tests.conftest import ClinicWorld

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (200, 260), "peachpuff").save(buf, "JPEG")
    return buf.getvalue()


@pytest.mark.parametrize("width", [1280, 390])
def test_chart_each_cheek_from_the_map(page, clinic_a: ClinicWorld, settings, tmp_path, width: int) -> None:  # type: ignore[no-untyped-def]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    page.set_viewport_size({"width": width, "height": 900})
    now = clock.now()
    sides = (AreaEntry("cheeks.left", "acne_scars", 3), AreaEntry("cheeks.right", "acne_scars", 2))
    data = intake_data(areas=sides)
    signed(clinic_a, confirmed_plan(clinic_a, data))
    appt = appointment_at(clinic_a, now + timedelta(minutes=40))
    cartridge = lot(clinic_a, number="CART-9", expiry=now.date() + timedelta(days=300), now=now)

    sign_in(page, clinic_a.users[Role.PRACTITIONER])
    page.goto(f"/appointments/{appt.pk}/treatment/")
    page.click("button:has-text('Check in')")
    page.wait_for_selector("text=Checked in.")

    chart_map = page.locator("#chart .body-map")
    face = chart_map.locator("figure").first  # the front view; the profiles show each side too
    left = face.locator("[data-area='cheeks.left'][role=button]")
    right = face.locator("[data-area='cheeks.right'][role=button]")
    assert left.get_attribute("aria-label") == "Cheeks (left), 1.5 mm"
    # The client's left cheek is drawn on the viewer's right in the front view.
    assert face.locator("[data-area='cheeks.left'] ellipse").get_attribute("cx") == "137"

    # Right cheek by mouse, at 1.0 mm (the plan's depth for grade 2).
    right.click()
    assert page.input_value("#id_entry-area") == "cheeks.right"
    assert right.get_attribute("aria-pressed") == "true" and left.get_attribute("aria-pressed") == "false"
    page.select_option("#id_entry-cartridge_lot", str(cartridge.pk))
    page.select_option("#id_entry-endpoint", "pinpoint_bleeding")
    page.fill("#id_entry-pain_score", "2")
    page.click("button:has-text('Add to chart')")
    page.wait_for_selector("text=Cheeks (right) charted at 1.00 mm.")

    # Left cheek by keyboard only: Tab to the region, Enter, then the form.
    page.locator("#chart .body-map figure").first.locator("[data-area='cheeks.left'][role=button]").focus()
    page.keyboard.press("Enter")
    assert page.input_value("#id_entry-area") == "cheeks.left"
    page.select_option("#id_entry-cartridge_lot", str(cartridge.pk))
    page.select_option("#id_entry-endpoint", "pinpoint_bleeding")
    page.fill("#id_entry-pain_score", "4")
    page.click("button:has-text('Add to chart')")
    page.wait_for_selector("text=Cheeks (left) charted at 1.50 mm.")

    depths = dict(ChartEntry.objects.filter(chart__appointment=appt).values_list("area", "depth_mm"))
    assert {k: str(v) for k, v in depths.items()} == {"cheeks.right": "1.00", "cheeks.left": "1.50"}
    charted = page.locator("#chart .body-map [data-area='cheeks.left']").first
    assert charted.get_attribute("class") == "region charted tone-3"
    assert page.locator("#chart .body-map [data-area='cheeks.right']").first.get_attribute("class") == (
        "region charted tone-2"
    )

    # A left-profile photo of the left cheek, the area picked on the photo map.
    profile = page.locator("#photos .body-map figure", has_text="Left profile")
    profile.locator("[data-area='cheeks.left']").click()
    assert page.input_value("#id_photo-area") == "cheeks.left"
    page.select_option("#id_photo-view", "left_45")
    page.set_input_files("#id_photo-image", {"name": "left.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()})
    page.click("button:has-text('Upload photo')")
    page.wait_for_selector("text=Photo saved")
    assert TreatmentPhoto.objects.get(appointment=appt).area == "cheeks.left"
    assert page.locator("#photos figcaption", has_text="Cheeks (left)").count() == 1

    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    wide = page.evaluate(
        "() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right >"
        " document.documentElement.clientWidth + 1).slice(0, 5).map(e => e.tagName + '#' + e.id)"
    )
    assert overflow <= 0, f"the treatment day is {overflow}px wider than a {width}px screen: {wide}"
    screenshot(page, f"body-map-{width}")


def test_pick_areas_and_sides_on_the_intake_map(page, clinic_a: ClinicWorld) -> None:  # type: ignore[no-untyped-def]
    from needlepoint.clinic.intake.models import Intake

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, clinic_a.users[Role.FRONT_DESK])
    page.goto(f"/clients/{clinic_a.client.pk}/intake/tablet/")  # type: ignore[attr-defined]

    face = page.locator(".body-map figure").first
    # The right side of the jaw only: tap it, the concern list takes the focus, pick a concern.
    face.locator("[data-area='jawline.right']").click()
    assert page.evaluate("document.activeElement.id") == "id_area_jawline"
    assert page.input_value("#id_side_jawline") == "right"
    page.select_option("#id_area_jawline", "acne_scars")
    assert face.locator("[data-area='jawline.right']").get_attribute("aria-pressed") == "true"
    assert face.locator("[data-area='jawline.left']").get_attribute("aria-pressed") == "false"
    # Both cheeks: the left, a concern, then the right makes it both sides.
    face.locator("[data-area='cheeks.left']").click()
    page.select_option("#id_area_cheeks", "texture_pores")
    face.locator("[data-area='cheeks.right']").click()
    assert page.input_value("#id_side_cheeks") == ""
    assert face.locator("[data-area='cheeks.right']").get_attribute("aria-pressed") == "true"
    # Keyboard only: focus the forehead region, Enter, then choose with the keyboard.
    face.locator("[data-area='forehead']").focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "id_area_forehead"

    page.select_option("#id_fitzpatrick", "3")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the intake is {overflow}px wider than the phone"
    screenshot(page, "intake-map-390")
    page.click("button[type=submit]")
    page.wait_for_selector("text=hand the tablet back")
    assert [a["area"] for a in Intake.objects.get().areas] == ["cheeks", "jawline.right"]
