"""Local-time rules across DST, and iCalendar output read back with the icalendar parser."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.urls import reverse

from needlepoint.clinic.booking import services
from needlepoint.clinic.booking.models import CalendarFeed
from needlepoint.clinic.permissions import ClientActor, SystemActor
from needlepoint.interop import ical
from tests.clinic.booking.conftest import BookingWorld, make_booking_world
from tests.conftest import make_clinic_world

# (zone, last weekday before the change, first weekday after it), spring and autumn.
TRANSITIONS = [
    ("Europe/London", date(2027, 3, 26), date(2027, 3, 29)),
    ("Europe/London", date(2027, 10, 29), date(2027, 11, 1)),
    ("America/New_York", date(2027, 3, 12), date(2027, 3, 15)),
    ("America/New_York", date(2027, 11, 5), date(2027, 11, 8)),
    ("Australia/Sydney", date(2027, 4, 2), date(2027, 4, 5)),
    ("Australia/Sydney", date(2027, 10, 1), date(2027, 10, 4)),
]


@pytest.mark.parametrize(("zone", "before", "after"), TRANSITIONS)
def test_shift_start_stays_at_local_nine_across_dst(db: None, zone: str, before: date, after: date) -> None:
    bw = make_booking_world(make_clinic_world("T", tz=zone))
    now = datetime(2027, 1, 1, tzinfo=UTC)
    starts = []
    for day in (before, after):
        slots, _ = services.search_slots(bw.world.clinic, bw.kind, day, day, now=now)
        first = slots[0]
        local = first.arrival.astimezone(ZoneInfo(zone))
        assert (local.date(), local.time()) == (day, time(9, 0))  # arrival at shift start, local
        starts.append(first.arrival)
    # The same local time is a different UTC offset on either side of the change.
    offsets = {s.astimezone(ZoneInfo(zone)).utcoffset() for s in starts}
    assert len(offsets) == 2


def _booked(bw: BookingWorld) -> list:  # type: ignore[type-arg]
    from tests.clinic.booking.conftest import NOW, spec

    s = spec(bw, sessions=2)
    result, _ = services.search_series(bw.world.clinic, s, now=NOW)
    return list(
        services.book_series(
            bw.world.clinic,
            s,
            list(result.options[0].sessions),
            actor=SystemActor(bw.world.clinic.pk, "test"),
        )
        .appointments.order_by("series_index")
        .select_related("client", "location", "room", "device", "appointment_type")
    )


def test_practitioner_feed_parses_with_local_times_and_cancellations(db: None) -> None:
    bw = make_booking_world(make_clinic_world("Q", tz="America/New_York"))
    appts = _booked(bw)
    services.cancel_appointment(
        appts[1], actor=ClientActor(appts[1].client), reason="", now=datetime(2027, 1, 6, tzinfo=UTC)
    )
    appts[1].refresh_from_db()
    body = ical.practitioner_feed(appts, name="Feed", now=datetime(2027, 1, 4, tzinfo=UTC))
    cal = icalendar.Calendar.from_ical(body)
    events = cal.walk("VEVENT")
    assert len(events) == 2
    assert cal.walk("VTIMEZONE")[0]["TZID"] == "America/New_York"
    first = events[0]
    dtstart = first.decoded("DTSTART")
    assert str(dtstart.tzinfo) == "America/New_York" and dtstart == appts[0].arrival
    assert first.decoded("DTEND") == appts[0].end
    assert "ZeldaQ" not in first["SUMMARY"] and "Z. C." in first["SUMMARY"]  # initials only
    assert events[1]["STATUS"] == "CANCELLED" and int(events[1]["SEQUENCE"]) == 1
    assert events[0]["UID"] != events[1]["UID"]


def test_feed_url_is_secret_and_revocable(client, db: None) -> None:  # type: ignore[no-untyped-def]
    bw = make_booking_world(make_clinic_world("R"))
    _booked(bw)
    practitioner = bw.practitioners[0]
    client.force_login(practitioner.user)
    client.post(reverse("my-feed-reset"))
    token = CalendarFeed.objects.get(practitioner=practitioner).token
    client.logout()
    response = client.get(reverse("calendar-feed", kwargs={"token": token}))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    assert len(icalendar.Calendar.from_ical(response.content).walk("VEVENT")) == 2
    assert client.get(reverse("calendar-feed", kwargs={"token": "guess"})).status_code == 404
    client.force_login(practitioner.user)
    client.post(reverse("my-feed-reset"))
    client.logout()
    assert client.get(reverse("calendar-feed", kwargs={"token": token})).status_code == 404


def test_client_ics_download(client, db: None) -> None:  # type: ignore[no-untyped-def]
    bw = make_booking_world(make_clinic_world("S", tz="Australia/Sydney"))
    appt = _booked(bw)[0]
    client.force_login(bw.world.users["front_desk"])
    response = client.get(reverse("appointment-ics", kwargs={"pk": appt.pk}))
    event = icalendar.Calendar.from_ical(response.content).walk("VEVENT")[0]
    start = appt.start.astimezone(ZoneInfo("Australia/Sydney"))
    assert f"treatment starts at {start:%H:%M}" in str(event["DESCRIPTION"])
    assert event.decoded("DTSTART") == appt.arrival
    assert event.decoded("DTSTART").utcoffset() == start.utcoffset()
    assert timedelta(0) < event.decoded("DTEND") - event.decoded("DTSTART") <= timedelta(hours=3)
