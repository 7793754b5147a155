"""The staff calendar: lanes for overlaps, closures and holidays greyed (and respected by the
search and booking), the month view, click-to-book prefill, a DST week in New York."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from unittest import mock
from urllib.parse import parse_qs, quote, urlparse
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from needlepoint.clinic.booking import services
from needlepoint.clinic.booking.calendar_grid import assign_lanes, calendar
from needlepoint.clinic.clinics.models import Closure
from needlepoint.clinic.errors import DomainError
from needlepoint.clinic.permissions import SystemActor
from tests.clinic.booking.conftest import NOW, BookingWorld, make_booking_world, spec
from tests.conftest import ClinicWorld


def _now():  # type: ignore[no-untyped-def]
    return mock.patch("needlepoint.clock.now", return_value=NOW)


def _book_at(bw: BookingWorld, day: date, client=None, practitioner=None):  # type: ignore[no-untyped-def]
    """Book the first free option on `day` (optionally with one practitioner)."""
    s = spec(bw, client, sessions=1, first=day, last=day, practitioner_ids=None)
    with _now():
        result, _ = services.search_series(bw.world.clinic, s, now=NOW)
        options = [
            o
            for o in result.options
            if practitioner is None or o.sessions[0].practitioner_id == str(practitioner.pk)
        ]
        series = services.book_series(
            bw.world.clinic, s, list(options[0].sessions), actor=SystemActor(bw.world.clinic.pk, "test")
        )
    return series.appointments.get()


def test_overlapping_blocks_share_the_column_in_lanes(client, clinic_a: ClinicWorld) -> None:  # type: ignore[no-untyped-def]
    # The practitioner is free while the next client numbs in the other room: the next visit's
    # block (arrival on) overlaps the previous one's treatment, in the same column.
    bw = make_booking_world(clinic_a, rooms=2, devices=2)
    day = date(2027, 1, 5)
    first = _book_at(bw, day)
    second = _book_at(bw, day)
    assert second.arrival < first.busy_end  # they overlap on the grid
    view = calendar(bw.world.location, day)
    blocks = {b.appointment.pk: b for c in view.columns for b in c.blocks}
    assert {blocks[first.pk].lane, blocks[second.pk].lane} == {0, 1}
    assert blocks[first.pk].lanes == blocks[second.pk].lanes == 2
    client.force_login(bw.world.users["front_desk"])
    body = client.get(reverse("calendar"), {"date": day.isoformat()}).content.decode()
    assert 'data-lanes="2"' in body and "style=" not in body and " on" + "change=" not in body
    assert 'class="cal-numbing"' in body and 'class="cal-cleaning"' in body


def test_lanes_pack_only_what_overlaps() -> None:
    class A:  # a stand-in appointment: assign_lanes only reads pk
        def __init__(self, pk: int) -> None:
            self.pk = pk

    from needlepoint.clinic.booking.calendar_grid import Block

    def blk(pk: int, top: int, height: int) -> Block:
        t = datetime(2027, 1, 5, tzinfo=UTC)
        return Block(A(pk), t, t, t, t, top=top, height=height, numbing=0, cleaning=0)  # type: ignore[arg-type]

    out = {
        b.appointment.pk: (b.lane, b.lanes)
        for b in assign_lanes([blk(1, 0, 60), blk(2, 30, 60), blk(3, 60, 30), blk(4, 200, 10)])
    }
    assert out == {1: (0, 2), 2: (1, 2), 3: (0, 2), 4: (0, 1)}


def test_closure_and_holiday_are_greyed_and_never_offered(client, bw: BookingWorld) -> None:  # type: ignore[no-untyped-def]
    world = bw.world
    Closure.objects.create(
        clinic=world.clinic,
        location=world.location,
        first_day=date(2027, 1, 6),
        last_day=date(2027, 1, 6),
        reason="Deep clean",
    )
    Closure.objects.create(
        clinic=world.clinic,
        first_day=date(2027, 1, 7),
        last_day=date(2027, 1, 7),
        start_time=time(9),
        end_time=time(13),
        reason="Staff training",
    )
    world.location.country = "GB"
    world.location.closed_on_public_holidays = True
    world.location.save()
    # 2027-01-05..08 asked; the 6th is closed all day, the 7th until 13:00 (visit must end by 17:00).
    s = spec(bw, sessions=1, first=date(2027, 1, 5), last=date(2027, 1, 8))
    with _now():
        result, _ = services.search_series(world.clinic, s, now=NOW)
    zone = ZoneInfo(world.location.timezone)
    starts = [o.sessions[0] for o in result.options]
    assert starts
    for a in starts:
        local = a.arrival.astimezone(zone)
        assert local.date() != date(2027, 1, 6)
        assert not (local.date() == date(2027, 1, 7) and local.time() < time(13))
    # A series running into Good Friday 2027 (26 March, England) skips it.
    s = spec(bw, sessions=1, first=date(2027, 3, 26), last=date(2027, 3, 26))
    with _now():
        result, _ = services.search_series(world.clinic, s, now=NOW)
    assert not result.found
    # Booking re-checks: a proposal on the closed day is refused.
    open_day = spec(bw, sessions=1, first=date(2027, 1, 5), last=date(2027, 1, 5))
    with _now():
        ok, _ = services.search_series(world.clinic, open_day, now=NOW)
    moved = [a for a in ok.options[0].sessions]
    from dataclasses import replace

    shifted = [
        replace(
            a,
            start=a.start + timedelta(days=1),
            end=a.end + timedelta(days=1),
            arrival=a.arrival + timedelta(days=1),
        )
        for a in moved
    ]
    closed_spec = spec(bw, sessions=1, first=date(2027, 1, 6), last=date(2027, 1, 6))
    with _now(), pytest.raises((DomainError, services.BookingError)):
        services.book_series(world.clinic, closed_spec, shifted, actor=SystemActor(world.clinic.pk, "test"))

    client.force_login(world.users["front_desk"])
    day = client.get(reverse("calendar"), {"date": "2027-01-06"}).content.decode()
    assert "Closed all day: Deep clean" in day and 'class="cal-band cal-closed"' in day
    assert 'class="cal-slot closed"' in day and 'class="cal-slot"' not in day
    week = client.get(reverse("calendar"), {"date": "2027-01-06", "view": "week"}).content.decode()
    assert "Deep clean" in week and "Staff training" in week
    month = client.get(reverse("calendar"), {"date": "2027-03-10", "view": "month"}).content.decode()
    assert "Public holiday: Good Friday" in month


def test_month_view_counts_per_practitioner_and_links_days(client, bw: BookingWorld) -> None:  # type: ignore[no-untyped-def]
    _book_at(bw, date(2027, 1, 5))
    _book_at(bw, date(2027, 1, 5))
    _book_at(bw, date(2027, 1, 12))
    client.force_login(bw.world.users["front_desk"])
    page = client.get(reverse("calendar"), {"date": "2027-01-20", "view": "month"})
    body = page.content.decode()
    assert page.status_code == 200 and "January 2027" in body
    name = bw.practitioners[0].name
    cell = re.search(r'data-day="2027-01-05">(.*?)</td>', body, re.S).group(1)  # type: ignore[union-attr]
    assert f"{name}: 2" in cell and "view=day&date=2027-01-05" in cell
    cell = re.search(r'data-day="2027-01-12">(.*?)</td>', body, re.S).group(1)  # type: ignore[union-attr]
    assert f"{name}: 1" in cell


def test_click_an_empty_slot_books_there_prefilled(client, bw: BookingWorld) -> None:  # type: ignore[no-untyped-def]
    client.force_login(bw.world.users["front_desk"])
    practitioner = bw.practitioners[0]
    body = client.get(reverse("calendar"), {"date": "2027-01-05"}).content.decode()
    start = datetime(2027, 1, 5, 10, 30, tzinfo=ZoneInfo("Europe/London")).astimezone(UTC).isoformat()
    hrefs = [
        h.replace("&amp;", "&")
        for h in re.findall(r'class="cal-slot" data-start="[^"]+" href="([^"]+)"', body)
    ]
    href = next(h for h in hrefs if quote(start, safe="/") in h and f"practitioner={practitioner.pk}" in h)
    pick = client.get(href + "&q=ZeldaA")
    text = pick.content.decode()
    assert pick.status_code == 200 and "arriving 10:30" in text and practitioner.name in text
    links = re.findall(r'href="(/clients/\d+/series/new/\?[^"]+)"', text)
    single, series = (parse_qs(urlparse(u.replace("&amp;", "&")).query) for u in links)
    assert single["sessions"] == ["1"] and "sessions" not in series
    for q in (single, series):
        assert q["first_earliest"] == q["first_latest"] == ["2027-01-05"]
        assert q["arrival_at"] == ["10:30"] and q["practitioner"] == [str(practitioner.pk)]
        assert q["location"] == [str(bw.world.location.pk)]
    form = client.get(links[0].replace("&amp;", "&")).content.decode()
    assert 'name="arrival_at" value="10:30"' in form and 'name="first_earliest" value="2027-01-05"' in form
    # Searching with it (a type chosen) puts the clicked time first.
    url = (
        links[0].replace("&amp;", "&")
        + f"&appointment_type={bw.kind.pk}&gap_min_days=28&gap_max_days=42&same_practitioner=soft"
    )  # type: ignore[attr-defined]
    with _now():
        found = client.get(url).content.decode()
    first_option = found.split("Option 2")[0]
    assert "<td>10:30</td>" in first_option
    # Junk in the slot link is a 404, not a 500.
    assert client.get(reverse("calendar-book"), {"start": "nonsense"}).status_code == 404


def test_dst_week_in_new_york(client, clinic_a: ClinicWorld) -> None:  # type: ignore[no-untyped-def]
    clinic_a.location.timezone = "America/New_York"
    clinic_a.location.save()
    bw = make_booking_world(clinic_a, days=(0, 1, 2, 3, 4, 5, 6))
    # US clocks go forward on Sunday 14 March 2027: slots stay on local wall-clock times.
    client.force_login(clinic_a.users["front_desk"])
    for day, utc_hour in ((date(2027, 3, 12), 14), (date(2027, 3, 15), 13)):
        body = client.get(reverse("calendar"), {"date": day.isoformat()}).content.decode()
        expected = datetime(day.year, day.month, day.day, utc_hour, tzinfo=UTC).isoformat()
        assert f'data-start="{expected}"' in body and "Book at 09:00" in body
    before, after = _book_at(bw, date(2027, 3, 12)), _book_at(bw, date(2027, 3, 14))
    week = client.get(reverse("calendar"), {"date": "2027-03-14", "view": "week"}).content.decode()
    assert "Mon 8 Mar" in week and "Sun 14 Mar" in week
    for a in (before, after):  # the same local time either side of the change, 4 vs 5 hours from UTC
        local = a.start.astimezone(ZoneInfo("America/New_York"))
        assert local.strftime("%H:%M") == "09:45" and f"<strong>{local:%H:%M}</strong>" in week
    assert after.start.hour - before.start.hour == -1
    # The working band on the Monday after the change still starts at 09:00 local (120 min after 07:00).
    view = calendar(clinic_a.location, date(2027, 3, 15))
    assert all(c.working[0].top == 120 for c in view.columns if c.working)
