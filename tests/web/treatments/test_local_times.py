"""Every staff page that shows a time of an appointment, its numbing, its chart or its messages
shows it in the location's zone: here New York in January (EST, UTC−5), so each instant below
has a UTC reading that must never appear and a local one that must. The routes scoped to an
appointment are found in the URL conf, so a new appointment page is checked without editing
this file; the htmx fragment of the numbing clock (the bug: UTC after its first refresh) too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.urls import get_resolver, reverse

from needlepoint import clock
from needlepoint.clinic.messaging.models import OutboxMessage
from needlepoint.clinic.treatments import services
from tests.clinic.treatments.helpers import entry_input, image_bytes, treatment_day, upload
from tests.conftest import ClinicWorld
from tests.web.test_isolation import _named_routes

START = datetime(2027, 1, 5, 19, 10, tzinfo=UTC)  # 14:10 EST
APPLIED = START - timedelta(minutes=40)  # 18:30 UTC, 13:30 EST
NOW = START - timedelta(minutes=35)  # 18:35 UTC: the clock is running
#: UTC readings of the instants on these pages, and their New York readings.
UTC_READINGS = ["18:25", "18:30", "19:10", "20:10", "18:33", "20:20", "20:40"]
LOCAL_READINGS = ["13:25", "13:30", "14:10", "15:10", "13:33", "15:20", "15:40"]
SIGNED = START + timedelta(minutes=70)  # 20:20 UTC, 15:20 EST


@pytest.fixture
def new_york(clinic_b: ClinicWorld, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setattr(clock, "now", lambda: NOW)
    day = treatment_day(clinic_b, start=START)
    numbing = services.record_numbing(
        day.clinic, day.desk, day.appointment, areas=["cheeks"], applied_at=APPLIED, now=NOW
    )
    chart = services.start_chart(day.clinic, day.practitioner, day.appointment, now=NOW)
    services.add_chart_entry(day.clinic, day.practitioner, chart, entry_input(day), now=NOW)
    services.remove_numbing(day.clinic, day.desk, numbing, at=NOW - timedelta(minutes=2), now=NOW)  # 18:33
    services.add_photo(
        day.clinic,
        day.practitioner,
        day.appointment,
        area="cheeks",
        view="front",
        phase="before",
        upload=upload(image_bytes()),
        now=NOW,
    )
    # Signed at 20:20 UTC (completes the session: aftercare messages are queued), addendum 20:40.
    services.sign_chart(day.clinic, day.practitioner, chart, now=SIGNED)
    services.add_addendum(
        day.clinic, day.practitioner, chart, text="Checked.", now=SIGNED + timedelta(minutes=20)
    )
    # A message about the session, due at its start and sent at the signature (times of its zone).
    OutboxMessage.objects.create(
        clinic=day.clinic,
        client=day.client,
        appointment=day.appointment,
        kind="reminder_24h",
        channel="email",
        recipient="zelda@example.com",
        body="See you soon",
        timezone=day.appointment.location.timezone,
        due_at=START,
        next_attempt_at=START,
        sent_at=SIGNED,
        status="sent",
        idempotency_key="tz-test",
    )
    return {"appointment": day.appointment, "client": day.client, "lot": day.cartridge}


def _appointment_routes() -> list[tuple[str, str]]:
    """(name, kwarg) of every route under appointments/<int:…>/."""
    found = []
    for name, pattern in _named_routes(get_resolver()):
        if pattern.startswith("appointments/<int:") and pattern.count("<int:") == 1:
            found.append((name, pattern.split("<int:", 1)[1].split(">", 1)[0]))
    return found


def _assert_local(body: str, where: str) -> None:
    shown_utc = [t for t in UTC_READINGS if t in body]
    assert not shown_utc, f"{where} shows UTC times {shown_utc}"
    assert any(t in body for t in LOCAL_READINGS), f"{where} shows none of the local times"


def test_every_appointment_page_shows_the_location_zone(
    client: Any, clinic_b: ClinicWorld, new_york: dict[str, Any]
) -> None:
    client.force_login(clinic_b.users["owner"])
    appt = new_york["appointment"]
    visited = []
    for name, kwarg in _appointment_routes():
        response = client.get(reverse(name, kwargs={kwarg: appt.pk}))
        if response.status_code == 405:
            continue  # a POST-only action: it redirects to one of the pages checked here
        assert response.status_code == 200, (name, response.status_code)
        if response["Content-Type"].startswith("text/html"):
            _assert_local(response.content.decode(), name)
            visited.append(name)
    assert {"appointment-detail", "treatment-day", "numbing-clock"} <= set(visited)


def test_the_numbing_clock_fragment_stays_local_after_a_refresh(
    client: Any, clinic_b: ClinicWorld, new_york: dict[str, Any]
) -> None:
    """The htmx poll (and the first load from the appointment page) renders the fragment alone."""
    client.force_login(clinic_b.users["front_desk"])
    url = reverse("numbing-clock", kwargs={"pk": new_york["appointment"].pk})
    for _ in range(2):
        fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()
        assert "Ready at <strong>14:10</strong>" in fragment or "14:" in fragment
        _assert_local(fragment, "numbing clock fragment")
        assert "EST" in fragment and "UTC" not in fragment


def test_a_london_request_after_a_new_york_one_is_not_left_in_new_york(
    client: Any, clinic_a: ClinicWorld, clinic_b: ClinicWorld, new_york: dict[str, Any]
) -> None:
    """The zone a page activates ends with its request (threads serve many requests)."""
    from django.utils import timezone

    client.force_login(clinic_b.users["owner"])
    client.get(reverse("numbing-clock", kwargs={"pk": new_york["appointment"].pk}), HTTP_HX_REQUEST="true")
    assert timezone.get_current_timezone_name() == "UTC"


@pytest.mark.parametrize("page", ["client-detail", "photo-compare", "lot-detail", "messaging-log"])
def test_other_pages_with_appointment_times_are_local(
    client: Any, clinic_b: ClinicWorld, new_york: dict[str, Any], page: str
) -> None:
    client.force_login(clinic_b.users["owner"])
    kwargs = {
        "client-detail": {"pk": new_york["client"].pk},
        "photo-compare": {"pk": new_york["client"].pk},
        "lot-detail": {"pk": new_york["lot"].pk},
        "messaging-log": {},
    }[page]
    response = client.get(reverse(page, kwargs=kwargs))
    assert response.status_code == 200
    _assert_local(response.content.decode(), page)
