"""Treatment day in real Chromium: check in, numb (the clock counts down), chart two areas (a
depth change refused until it has a reason), photograph before and after, sign, then compare
the photos side by side and with the slider."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image, ImageDraw

from needlepoint import clock
from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.treatments.models import Chart, TreatmentPhoto
from tests.browser.conftest import screenshot
from tests.clinic.journey_helpers import confirmed_plan, signed
from tests.clinic.treatments.helpers import appointment_at, lot
from tests.conftest import PASSWORD, ClinicWorld

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _jpeg(colour: str) -> bytes:
    img = Image.new("RGB", (320, 240), colour)
    ImageDraw.Draw(img).ellipse((100, 60, 220, 180), fill="brown")
    buf = io.BytesIO()
    img.save(buf, "JPEG")
    return buf.getvalue()


def test_chart_a_session_and_compare_photos(page, clinic_a: ClinicWorld, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    now = clock.now()
    signed(clinic_a, confirmed_plan(clinic_a))
    appt = appointment_at(clinic_a, now + timedelta(minutes=40))
    cartridge = lot(clinic_a, number="CART-1", expiry=now.date() + timedelta(days=300), now=now)
    lot(clinic_a, kind="product", number="SER-1", expiry=now.date() + timedelta(days=300), now=now)

    page.goto("/account/login/")
    page.fill("#id_username", clinic_a.users[Role.PRACTITIONER].email)  # type: ignore[attr-defined]
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")

    page.goto(f"/appointments/{appt.pk}/")
    page.click("text=Treatment day")
    page.click("button:has-text('Check in')")
    page.wait_for_selector("text=Checked in.")
    # Numbing: the plan's areas are pre-ticked; the clock starts counting.
    page.click("button:has-text('Record numbing')")
    page.wait_for_selector("#numbing-clock >> text=ready in")
    assert page.locator("#numbing-clock [data-state=numbing]").count() == 1

    # Chart the cheeks at a shallower depth: refused without a reason, kept on the form.
    page.select_option("#id_entry-area", "cheeks")
    page.select_option("#id_entry-cartridge_lot", str(cartridge.pk))
    page.fill("#id_entry-depth_mm", "1.25")
    page.select_option("#id_entry-endpoint", "pinpoint_bleeding")
    page.fill("#id_entry-pain_score", "3")
    page.click("button:has-text('Add to chart')")
    page.wait_for_selector("text=Give a reason: 1.25 mm differs from the recommended 1.50 mm")
    assert page.input_value("#id_entry-depth_mm") == "1.25"
    page.fill("#id_entry-override_reason", "Thin skin over the cheekbones")
    page.click("button:has-text('Add to chart')")
    page.wait_for_selector("text=Cheeks charted at 1.25 mm.")
    # Forehead at the recommended depth (the only area left is pre-selected).
    page.select_option("#id_entry-cartridge_lot", str(cartridge.pk))
    page.select_option("#id_entry-endpoint", "erythema")
    page.fill("#id_entry-pain_score", "2")
    page.click("button:has-text('Add to chart')")
    page.wait_for_selector("text=Forehead charted at 0.50 mm.")

    # Photos: before and after, front view of the cheeks.
    for phase, colour in (("before", "peachpuff"), ("after", "salmon")):
        page.select_option("#id_photo-area", "cheeks")
        page.select_option("#id_photo-view", "front")
        page.check(f"#photos input[name=photo-phase][value={phase}]")
        page.set_input_files(
            "#id_photo-image", {"name": f"{phase}.jpg", "mimeType": "image/jpeg", "buffer": _jpeg(colour)}
        )
        page.click("button:has-text('Upload photo')")
        page.wait_for_selector("text=Photo saved")
    assert page.locator("#photos img").count() == 2

    # Signing: the page names the signer (nothing to type); unticked, it refuses; signed, the
    # chart locks and the session is completed.
    me = clinic_a.memberships[Role.PRACTITIONER].name  # type: ignore[attr-defined]
    assert page.text_content("#signature") == me and page.locator("#id_sign-signature_name").count() == 0
    page.click("button:has-text('Sign and lock the chart')")
    page.wait_for_selector("text=Tick the box to confirm")
    page.check("#id_sign-confirm")
    page.click("button:has-text('Sign and lock the chart')")
    page.wait_for_selector(f"text=Signed by {me}")
    assert page.locator("#addendum-form").count() == 1 and page.locator("#entry-form").count() == 0
    assert page.text_content("#appt-status") == "Completed"
    chart = Chart.objects.get(appointment=appt)
    assert chart.is_signed and chart.entries.count() == 2
    screenshot(page, "treatment-day-signed")

    page.click("text=Compare sessions")
    page.wait_for_selector("#side-by-side img")
    # Read sizes only once the browser has finished fetching every image (loaded or failed):
    # on a loaded machine the photo responses can arrive after the page's load event.
    page.wait_for_function(
        "() => { const imgs = [...document.querySelectorAll('#side-by-side img, #slider img')];"
        " return imgs.length === 4 && imgs.every(i => i.complete); }"
    )
    loaded = page.eval_on_selector_all(
        "#side-by-side img, #slider img", "imgs => imgs.map(i => i.complete && i.naturalWidth)"
    )
    assert len(loaded) == 4 and all(w == 320 for w in loaded)
    ids = sorted(TreatmentPhoto.objects.filter(appointment=appt).values_list("pk", flat=True))
    srcs = page.eval_on_selector_all("#side-by-side img", "imgs => imgs.map(i => i.getAttribute('src'))")
    assert srcs == [f"/treatment-photos/{ids[0]}/", f"/treatment-photos/{ids[1]}/"]
    screenshot(page, "treatment-photo-compare")
