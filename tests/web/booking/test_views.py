"""The booking pages: series search and booking in a few posts, moving, cancelling, calendar."""

from __future__ import annotations

import re
from datetime import date, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

from django.urls import reverse

from needlepoint.clinic.booking.models import Appointment, AppointmentStatus
from tests.clinic.booking.conftest import NOW, BookingWorld

FORM = {
    "sessions": "4",
    "first_earliest": "2027-01-05",
    "first_latest": "2027-01-08",
    "gap_min_days": "28",
    "gap_max_days": "42",
    "same_practitioner": "soft",
}


def _now():  # type: ignore[no-untyped-def]
    return mock.patch("needlepoint.clock.now", return_value=NOW)


def _form(bw: BookingWorld, **extra: str) -> dict[str, str]:
    return {**FORM, "appointment_type": str(bw.kind.pk), **extra}  # type: ignore[attr-defined]


def test_search_shows_options_and_books_one(client, bw: BookingWorld) -> None:  # type: ignore[no-untyped-def]
    client.force_login(bw.world.users["front_desk"])
    url = reverse("series-book", kwargs={"client_pk": bw.world.client.pk})
    with _now():
        page = client.get(url, _form(bw))
        body = page.content.decode()
        assert page.status_code == 200 and "Option 1" in body and "Tue 5 Jan 2027" in body
        token = re.search(r'name="option" value="([^"]+)"', body).group(1)  # type: ignore[union-attr]
        booked = client.post(url, {**_form(bw), "option": token})
    assert booked.status_code == 302
    assert Appointment.objects.filter(client=bw.world.client).count() == 4
    # The same proposal cannot be booked twice.
    with _now():
        again = client.post(url, {**_form(bw), "option": token})
    assert again.status_code == 409 and "no longer free" in again.content.decode()
    assert Appointment.objects.filter(client=bw.world.client).count() == 4


def test_bad_search_input_is_explained_and_kept(client, bw: BookingWorld) -> None:  # type: ignore[no-untyped-def]
    client.force_login(bw.world.users["front_desk"])
    url = reverse("series-book", kwargs={"client_pk": bw.world.client.pk})
    with _now():
        page = client.get(url, _form(bw, first_latest="2027-01-01", gap_min_days="3", gap_max_days="2"))
    body = page.content.decode()
    assert page.status_code == 400
    assert "Must not be before the first date" in body and "greater than or equal to 7" in body
    assert 'value="2027-01-01"' in body


def test_no_solution_explains_and_offers_the_waitlist(client, bw: BookingWorld) -> None:  # type: ignore[no-untyped-def]
    client.force_login(bw.world.users["front_desk"])
    url = reverse("series-book", kwargs={"client_pk": bw.world.client.pk})
    with _now():
        page = client.get(url, _form(bw, first_earliest="2027-01-09", first_latest="2027-01-10"))
    body = page.content.decode()
    assert "No series fits" in body and "Session 1" in body and "waitlist" in body


def test_protocol_course_prefills_the_form(client, bw: BookingWorld) -> None:  # type: ignore[no-untyped-def]
    from needlepoint.protocol import default_protocol

    client.force_login(bw.world.users["front_desk"])
    graded = default_protocol().data.indications["acne_scars"].by_grade[4]
    page = client.get(
        reverse("series-book", kwargs={"client_pk": bw.world.client.pk}), {"course": "acne_scars:4"}
    )
    body = page.content.decode()
    assert f'name="gap_max_days" value="{graded.interval_max_days}"' in body
    assert f'name="sessions" value="{graded.sessions_min}"' in body


def _book(client, bw: BookingWorld, sessions: str = "2") -> list[Appointment]:  # type: ignore[no-untyped-def]
    url = reverse("series-book", kwargs={"client_pk": bw.world.client.pk})
    with _now():
        body = client.get(url, _form(bw, sessions=sessions)).content.decode()
        token = re.search(r'name="option" value="([^"]+)"', body).group(1)  # type: ignore[union-attr]
        client.post(url, {**_form(bw, sessions=sessions), "option": token})
    return list(Appointment.objects.filter(client=bw.world.client).order_by("start"))


def test_drag_and_drop_move_answers_json(client, bw: BookingWorld) -> None:  # type: ignore[no-untyped-def]
    client.force_login(bw.world.users["front_desk"])
    last = _book(client, bw)[-1]
    target = last.start + timedelta(hours=2)
    with _now():
        ok = client.post(
            reverse("appointment-move", kwargs={"pk": last.pk}),
            {"new_start": target.isoformat()},
            HTTP_ACCEPT="application/json",
        )
    assert ok.status_code == 200 and ok.json()["ok"]
    last.refresh_from_db()
    assert last.start == target
    with _now():
        bad = client.post(
            reverse("appointment-move", kwargs={"pk": last.pk}),
            {"new_start": "tomorrow"},
            HTTP_ACCEPT="application/json",
        )
    assert bad.status_code == 400 and "valid" in bad.json()["message"]


def test_move_form_proposes_a_repair_for_the_series(client, bw: BookingWorld) -> None:  # type: ignore[no-untyped-def]
    client.force_login(bw.world.users["owner"])
    _first, second = _book(client, bw)
    zone = ZoneInfo("Europe/London")
    new_day = second.start.astimezone(zone).date() - timedelta(days=7)  # too close to session 1
    with _now():
        review = client.post(
            reverse("appointment-move", kwargs={"pk": second.pk}),
            {"new_date": new_day.isoformat(), "new_time": "10:00"},
        )
    body = review.content.decode()
    assert review.status_code == 409
    second.refresh_from_db()
    assert second.start.astimezone(zone).date() != new_day  # nothing moved yet
    assert "Back without changes" in body


def test_cancel_page_flow_and_late_fee(client, bw: BookingWorld) -> None:  # type: ignore[no-untyped-def]
    client.force_login(bw.world.users["front_desk"])
    first = _book(client, bw)[0]
    with _now():  # NOW is < 48 h before the first session
        response = client.post(reverse("appointment-cancel", kwargs={"pk": first.pk}), {"reason": "ill"})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == AppointmentStatus.CANCELLED and first.late_cancellation and first.fee_due == 50
    detail = client.get(reverse("appointment-detail", kwargs={"pk": first.pk})).content.decode()
    assert "late" in detail and "fee 50.00" in detail


def test_calendar_day_and_week_show_local_times(client, bw: BookingWorld) -> None:  # type: ignore[no-untyped-def]
    client.force_login(bw.world.users["practitioner"])
    first = _book(client, bw)[0]
    local = first.start.astimezone(ZoneInfo("Europe/London"))
    day = client.get(reverse("calendar"), {"date": local.date().isoformat()}).content.decode()
    assert f"<strong>{local:%H:%M}</strong>" in day and "ZeldaA ClientA" in day
    assert "numb 09:00" in day
    week = client.get(
        reverse("calendar"), {"date": local.date().isoformat(), "view": "week"}
    ).content.decode()
    assert "ZeldaA ClientA" in week and "Week of" not in week and local.strftime("%a %-d %b") in week


def test_client_page_lists_upcoming_appointments(client, bw: BookingWorld) -> None:  # type: ignore[no-untyped-def]
    client.force_login(bw.world.users["front_desk"])
    _book(client, bw)
    with mock.patch("needlepoint.clock.now", return_value=NOW):
        body = client.get(reverse("client-detail", kwargs={"pk": bw.world.client.pk})).content.decode()
    assert body.count("appointment-detail") == 0 and body.count("/appointments/") >= 2


def test_setup_rota_bad_input(client, bw: BookingWorld) -> None:  # type: ignore[no-untyped-def]
    client.force_login(bw.world.users["owner"])
    response = client.post(
        reverse("shifts-create"),
        {
            "practitioner": bw.practitioners[0].pk,
            "location": bw.world.location.pk,
            "weekday": "5",
            "start": "17:00",
            "end": "09:00",
        },
    )
    assert response.status_code == 400 and "must end after it starts" in response.content.decode()
    ok = client.post(
        reverse("shifts-create"),
        {
            "practitioner": bw.practitioners[0].pk,
            "location": bw.world.location.pk,
            "weekday": "5",
            "start": "10:00",
            "end": "14:00",
        },
    )
    assert ok.status_code == 302


def test_waitlist_pages(client, bw: BookingWorld) -> None:  # type: ignore[no-untyped-def]
    client.force_login(bw.world.users["front_desk"])
    url = reverse("waitlist-add", kwargs={"client_pk": bw.world.client.pk})
    bad = client.post(url, {"appointment_type": bw.kind.pk, "earliest": "2027-02-10", "latest": "2027-02-01"})  # type: ignore[attr-defined]
    assert bad.status_code == 400
    ok = client.post(url, {"appointment_type": bw.kind.pk, "earliest": "2027-02-01", "latest": "2027-02-10"})  # type: ignore[attr-defined]
    assert ok.status_code == 302
    assert "ZeldaA ClientA" in client.get(reverse("waitlist")).content.decode()
    assert date(2027, 2, 1)


def test_booking_from_a_confirmed_plan_uses_its_windows_and_links_the_series(
    client, bw: BookingWorld
) -> None:  # type: ignore[no-untyped-def]
    from needlepoint.clinic.booking.models import Series
    from tests.clinic.journey_helpers import confirmed_plan

    plan = confirmed_plan(bw.world)
    bw.kind.duration_minutes = 120  # type: ignore[attr-defined]
    bw.kind.save()  # type: ignore[attr-defined]
    client.force_login(bw.world.users["front_desk"])
    url = reverse("series-book", kwargs={"client_pk": bw.world.client.pk})
    page = client.get(url, {"plan": plan.pk})
    body = page.content.decode()
    assert page.status_code == 200 and f"Plan #{plan.pk}" in body
    assert f'name="sessions" value="{plan.sessions}"' in body and "disabled" in body
    # Posted values for the plan's fields are ignored: the plan decides the series.
    search = client.get(
        url,
        {
            "plan": plan.pk,
            "appointment_type": bw.kind.pk,
            "sessions": "1",  # type: ignore[attr-defined]
            "same_practitioner": "soft",
        },
    )
    token = re.search(r'name="option" value="([^"]+)"', search.content.decode())
    assert token is not None, search.content.decode()[:2000]
    booked = client.post(
        url + f"?plan={plan.pk}",
        {
            "plan": plan.pk,
            "appointment_type": bw.kind.pk,  # type: ignore[attr-defined]
            "same_practitioner": "soft",
            "option": token.group(1),
        },
    )
    assert booked.status_code == 302
    series = Series.objects.get(client=bw.world.client)
    assert series.plan_id == plan.pk and series.sessions == plan.sessions
    assert (series.gap_min_days, series.gap_max_days) == (plan.gap_min_days, plan.gap_max_days)


def test_plan_of_another_client_or_unconfirmed_is_refused(client, bw: BookingWorld) -> None:  # type: ignore[no-untyped-def]
    from tests.clinic.journey_helpers import draft

    plan = draft(bw.world)
    client.force_login(bw.world.users["front_desk"])
    url = reverse("series-book", kwargs={"client_pk": bw.world.client.pk})
    page = client.get(url, {"plan": plan.pk})
    assert page.status_code == 400 and "only a confirmed plan can be booked" in page.content.decode()
    assert client.get(url, {"plan": "999999"}).status_code == 404


def test_pages_show_the_locations_wall_clock_not_utc(client, clinic_b) -> None:  # type: ignore[no-untyped-def]
    from tests.clinic.booking.conftest import make_booking_world

    ny = make_booking_world(clinic_b)  # America/New_York: 09:00 local is 14:00 UTC in January
    client.force_login(ny.world.users["front_desk"])
    first = _book(client, ny)[0]
    assert first.arrival.hour == 14
    detail = client.get(reverse("appointment-detail", kwargs={"pk": first.pk})).content.decode()
    assert "<dd>09:00</dd>" in detail and "09:45–10:45 EST" in detail
    local_day = first.start.astimezone(ZoneInfo("America/New_York")).date().isoformat()
    day = client.get(reverse("calendar"), {"date": local_day}).content.decode()
    assert "<strong>09:45</strong>" in day and "numb 09:00" in day
    page = client.get(reverse("client-detail", kwargs={"pk": ny.world.client.pk})).content.decode()
    assert "09:45 EST" in page
