"""Duplicates and merging in real Chromium: an owner creates a client who is already there, is
warned (with a link) and not saved; creates it anyway; merges the two from the kept record's
page after a side-by-side check; the kept record then shows both clients' appointments. Every
page fits a 1280 px desk screen and a 390 px phone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from needlepoint import clock
from needlepoint.clinic.clients.models import Client
from tests.browser.conftest import screenshot
from tests.clinic.outcomes.helpers import appointment_type, session
from tests.conftest import PASSWORD, ClinicWorld

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (1280, 390)


def _fits(page: Any, name: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        wide = page.evaluate(
            "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > "
            "document.documentElement.clientWidth + 1).slice(0, 5).map(e => e.tagName + '.' + e.className)"
        )
        assert overflow <= 0, f"{name} is {overflow}px wider than a {width}px screen: {wide}"
        screenshot(page, f"client-merge-{name}-{width}")
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})


def _upcoming(world: ClinicWorld, client: Any, days: int, kind: str) -> None:
    start = (clock.now() + timedelta(days=days)).replace(hour=10, minute=0, second=0, microsecond=0)
    session(world, start, client=client, status="booked", kind=appointment_type(world, kind))


def test_duplicate_warning_then_merge(page, clinic_a: ClinicWorld) -> None:  # type: ignore[no-untyped-def]
    stored: Any = clinic_a.client  # ZeldaA ClientA, born 17 May 1990, zeldaa@example.com
    _upcoming(clinic_a, stored, 5, "Microneedling face")

    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    page.goto("/account/login/")
    page.fill("#id_username", clinic_a.users["owner"].email)  # type: ignore[attr-defined]
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")

    page.goto("/clients/new/")
    page.fill("#id_first_name", "Zélda A")  # accents and case do not hide the person
    page.fill("#id_last_name", "clienta")
    page.fill("#id_date_of_birth", "1990-05-17")
    page.fill("#id_phone", "07700 900321")
    page.click("main button[type=submit]")
    warning = page.locator(".duplicates")
    expect(warning).to_contain_text("This may be a client you already have")
    expect(warning.locator(f"a[href='/clients/{stored.pk}/']")).to_have_text("ZeldaA ClientA")
    expect(page.locator("#id_phone")).to_have_value("07700 900321")  # the input is kept
    assert not Client.objects.filter(phone="+447700900321").exists()
    _fits(page, "warning")

    page.check("#id_confirm_duplicate")
    page.click("main button[type=submit]")
    expect(page.locator("h1")).to_have_text("Zélda A clienta")
    expect(page.locator(".facts")).to_contain_text("07700 900321")  # shown nationally
    dup = Client.objects.get(phone="+447700900321")
    _upcoming(clinic_a, dup, 9, "Consultation")

    page.goto(f"/clients/{stored.pk}/")
    page.click("text=Merge a duplicate into this record")
    page.click(f"a[href='?other={dup.pk}']")
    compare = page.locator(".merge-compare")
    expect(compare).to_contain_text("Duplicate: Zélda A clienta")
    expect(compare).to_contain_text("(will be copied)")  # the kept record has no phone
    _fits(page, "compare")

    page.check("#id_confirm")
    page.click("text=Merge #")
    expect(page.locator(".messages")).to_contain_text("merged in")
    appointments = page.locator("section.card", has_text="Appointments")
    expect(appointments).to_contain_text("Microneedling face")
    expect(appointments).to_contain_text("Consultation")  # the duplicate's appointment moved here
    expect(page.locator(".facts")).to_contain_text("07700 900321")
    _fits(page, "kept")

    page.goto(f"/clients/{dup.pk}/")
    expect(page.locator(".notice")).to_contain_text(f"merged into #{stored.pk}")
    page.goto("/clients/?show=all")  # the list: a block per client on a phone
    expect(page.locator("table.stack")).to_contain_text(stored.last_name)
    _fits(page, "list")
    dup.refresh_from_db()
    assert dup.is_archived and dup.merged_into_id == stored.pk
