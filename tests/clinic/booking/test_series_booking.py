"""Series search and booking through the services, against the real database."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from needlepoint.clinic.booking import services
from needlepoint.clinic.booking.models import Appointment, Series
from needlepoint.clinic.permissions import SystemActor
from tests.clinic.booking.conftest import NOW, BookingWorld, spec


def _book(bw: BookingWorld, s, option: int = 0) -> Series:  # type: ignore[no-untyped-def]
    result, _ = services.search_series(bw.world.clinic, s, now=NOW)
    assert result.found, result.explanation.summary if result.explanation else ""
    return services.book_series(
        bw.world.clinic,
        s,
        list(result.options[option].sessions),
        actor=SystemActor(bw.world.clinic.pk, "test"),
    )


def test_books_the_earliest_series_within_every_window(bw: BookingWorld) -> None:
    series = _book(bw, spec(bw))
    appts = list(series.appointments.order_by("series_index"))
    assert len(appts) == 4
    zone = ZoneInfo(bw.world.location.timezone)
    days = [a.start.astimezone(zone).date() for a in appts]
    assert days[0] == date(2027, 1, 5)  # earliest day of the first window
    for a, b in itertools.pairwise(days):
        assert 28 <= (b - a).days <= 42
    first = appts[0]
    # 09:00 shift start, 45 min numbing in the room: treatment 09:45 local, room from 09:00.
    assert first.start.astimezone(zone).time().isoformat() == "09:45:00"
    assert first.arrival == first.room_start == first.start - timedelta(minutes=45)
    assert first.practitioner_start == first.start and first.device_start == first.start
    assert first.room_end == first.end + timedelta(minutes=15)


def test_second_client_gets_the_next_free_time_not_an_overlap(bw: BookingWorld) -> None:
    from needlepoint.clinic.clients.models import Client

    _book(bw, spec(bw))
    other = Client.objects.create(
        clinic=bw.world.clinic, first_name="Other", last_name="Person", date_of_birth=date(1991, 1, 1)
    )
    _book(bw, spec(bw, other))
    a, b = (Appointment.objects.filter(client=c).order_by("start").first() for c in (bw.world.client, other))
    assert a is not None and b is not None
    assert b.room_start >= a.room_end  # one room: the second waits for the room to be cleaned


def test_same_slot_twice_is_refused_with_a_clear_message(bw: BookingWorld) -> None:
    from needlepoint.clinic.clients.models import Client

    s = spec(bw)
    result, _ = services.search_series(bw.world.clinic, s, now=NOW)
    sessions = list(result.options[0].sessions)
    services.book_series(bw.world.clinic, s, sessions, actor=SystemActor(bw.world.clinic.pk, "test"))
    other = Client.objects.create(
        clinic=bw.world.clinic, first_name="Late", last_name="Comer", date_of_birth=date(1990, 1, 1)
    )
    with pytest.raises(services.SlotTaken, match="Session 1 is no longer free: the practitioner"):
        services.book_series(
            bw.world.clinic, spec(bw, other), sessions, actor=SystemActor(bw.world.clinic.pk, "test")
        )
    # All or nothing: no series row and no appointment for the refused client.
    assert not Series.objects.filter(client=other).exists()
    assert not Appointment.objects.filter(client=other).exists()


def test_client_cannot_be_double_booked_across_series(bw: BookingWorld) -> None:
    s = spec(bw)
    result, _ = services.search_series(bw.world.clinic, s, now=NOW)
    services.book_series(
        bw.world.clinic, s, list(result.options[0].sessions), actor=SystemActor(bw.world.clinic.pk, "test")
    )
    # A second series for the same client avoids the first one's visits.
    _book(bw, spec(bw, sessions=1))
    visits = sorted(Appointment.objects.filter(client=bw.world.client).values_list("arrival", "end"))
    for (_a0, a1), (b0, _) in itertools.pairwise(visits):
        assert b0 >= a1


def test_no_series_explains_why(bw: BookingWorld) -> None:
    # Saturday-only window, nobody works on Saturdays.
    result, _ = services.search_series(
        bw.world.clinic, spec(bw, first=date(2027, 1, 9), last=date(2027, 1, 9)), now=NOW
    )
    assert not result.found
    assert result.explanation is not None
    assert any(r.session == 1 for r in result.explanation.reasons)
    assert "session 1" in result.explanation.summary.lower()


def test_other_clinics_bookings_do_not_block_and_are_not_visible(bw: BookingWorld, clinic_b) -> None:  # type: ignore[no-untyped-def]
    from tests.clinic.booking.conftest import make_booking_world

    bw_b = make_booking_world(clinic_b)
    _book(bw_b, spec(bw_b))
    series = _book(bw, spec(bw))
    assert series.appointments.first().start.astimezone(ZoneInfo("Europe/London")).hour == 9


def test_tampered_option_token_is_refused(bw: BookingWorld) -> None:
    s = spec(bw)
    result, snapshot = services.search_series(bw.world.clinic, s, now=NOW)
    token = services.encode_option(s, result.options[0].sessions)
    with pytest.raises(services.BookingError, match="not valid"):
        services.decode_option(token[:-3] + "abc", s, snapshot)
    decoded = services.decode_option(token, s, snapshot)
    assert [a.start for a in decoded] == [a.start for a in result.options[0].sessions]
