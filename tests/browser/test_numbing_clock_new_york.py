"""The numbing clock at a New York location in real Chromium: its labels are New York times
when the appointment page first loads it (an htmx fragment), after an htmx refresh (the poll's
own request) and after the no-JavaScript clock page reloads itself — never UTC (issue 18)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from needlepoint import clock
from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.treatments import selectors, services
from tests.browser.conftest import screenshot
from tests.clinic.journey_helpers import confirmed_plan, signed
from tests.clinic.treatments.helpers import appointment_at
from tests.conftest import PASSWORD, ClinicWorld

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_numbing_clock_in_new_york_keeps_local_labels_across_refreshes(page, clinic_b: ClinicWorld) -> None:  # type: ignore[no-untyped-def]
    now = clock.now()
    signed(clinic_b, confirmed_plan(clinic_b))
    appt = appointment_at(clinic_b, now + timedelta(minutes=30))
    desk = clinic_b.memberships[Role.FRONT_DESK]
    services.check_in(clinic_b.clinic, desk, appt, now=now)  # type: ignore[arg-type]
    services.record_numbing(clinic_b.clinic, desk, appt, areas=["cheeks"], now=now)  # type: ignore[arg-type]
    ready = selectors.numbing_clock(appt, now=now).ready_at
    assert ready is not None
    local, utc = f"{ready.astimezone(ZoneInfo('America/New_York')):%H:%M}", f"{ready:%H:%M}"
    ready_label = f"Ready at {local}"

    page.goto("/account/login/")
    page.fill("#id_username", clinic_b.users[Role.FRONT_DESK].email)  # type: ignore[attr-defined]
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")

    def clock_text() -> str:
        page.wait_for_selector(f"#numbing-clock >> text={ready_label}")
        text = page.text_content("#numbing-clock") or ""
        assert f"Ready at {utc}" not in text and " UTC" not in text, text
        assert "EST" in text or "EDT" in text, text
        return text

    # The appointment page loads the clock as an htmx fragment (its first refresh).
    page.goto(f"/appointments/{appt.pk}/")
    clock_text()
    # The poll itself: the same request htmx makes every 30 s, swapped in the same way.
    page.evaluate(
        "url => htmx.ajax('GET', url, {target: '#numbing-clock', swap: 'outerHTML'})",
        f"/appointments/{appt.pk}/treatment/clock/",
    )
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    clock_text()
    # Without JavaScript the clock page reloads itself (Refresh header): same labels after a reload.
    page.goto(f"/appointments/{appt.pk}/treatment/clock/")
    clock_text()
    page.reload()
    clock_text()
    screenshot(page, "numbing-clock-new-york")
