"""The booking rules that used to differ between surfaces now live once, in the booking commands:
"not in the past" (the location's local today), waiving a late-cancellation fee (owners only),
"too late to change online" (portal and staff pages alike) and SeriesSpec's own checks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from needlepoint import clock
from needlepoint.clinic.booking import services
from needlepoint.clinic.booking.models import Appointment, AppointmentStatus
from needlepoint.clinic.errors import InvalidInput
from needlepoint.clinic.permissions import SystemActor
from tests.api.conftest import Api, token_for
from tests.clinic.booking.conftest import NOW, BookingWorld, make_booking_world, spec
from tests.conftest import make_clinic_world

PAST = "This date is in the past."


def _search_form(bw: BookingWorld, first: str, last: str) -> dict[str, str]:
    return {
        "appointment_type": str(bw.kind.pk),  # type: ignore[attr-defined]
        "sessions": "4",
        "first_earliest": first,
        "first_latest": last,
        "gap_min_days": "28",
        "gap_max_days": "42",
        "same_practitioner": "soft",
    }


def _api_search(bw: BookingWorld, first: str, last: str) -> tuple[int, Any]:
    api = Api(token_for(bw.world, "front_desk"))
    body = {**_search_form(bw, first, last), "appointment_type_id": bw.kind.pk}  # type: ignore[attr-defined]
    body = {k: int(v) if k in ("sessions", "gap_min_days", "gap_max_days") else v for k, v in body.items()}
    return api.post(f"/clients/{bw.world.client.pk}/series/search", body)  # type: ignore[attr-defined]


def _web_search(client: Any, bw: BookingWorld, first: str, last: str) -> tuple[int, str]:
    client.force_login(bw.world.users["front_desk"])
    url = reverse("series-book", kwargs={"client_pk": bw.world.client.pk})  # type: ignore[attr-defined]
    page = client.get(url, _search_form(bw, first, last))
    return page.status_code, page.content.decode()


# --- not in the past ---------------------------------------------------------------------------


def test_a_past_date_is_refused_with_the_same_message_on_web_and_api(client: Any, bw: BookingWorld) -> None:
    with clock.frozen(NOW):  # Monday 4 January 2027, London
        status, body = _api_search(bw, "2027-01-02", "2027-01-08")
        web_status, page = _web_search(client, bw, "2027-01-02", "2027-01-08")
    assert status == 400, body
    assert body["error"]["fields"] == {"first_earliest": [PAST]}
    assert body["error"]["message"] == PAST
    assert web_status == 400 and f'<span class="error">{PAST}</span>' in page


def test_yesterday_is_refused_on_both_surfaces_without_a_days_tolerance(
    client: Any, bw: BookingWorld
) -> None:
    with clock.frozen(NOW):
        status, body = _api_search(bw, "2027-01-03", "2027-01-08")
        web_status, page = _web_search(client, bw, "2027-01-03", "2027-01-08")
    assert status == 400 and body["error"]["fields"] == {"first_earliest": [PAST]}
    assert web_status == 400 and PAST in page


def test_today_is_the_locations_local_today_not_utcs(db: None) -> None:
    # 12:00 UTC on 4 January is already 01:00 on 5 January in Auckland.
    bw = make_booking_world(make_clinic_world("Nz", tz="Pacific/Auckland"))
    now = datetime(2027, 1, 4, 12, 0, tzinfo=UTC)
    with pytest.raises(InvalidInput) as refused:
        services.search_series(
            bw.world.clinic, spec(bw, first=date(2027, 1, 4), last=date(2027, 1, 8)), now=now
        )  # type: ignore[arg-type]
    assert refused.value.fields == {"first_earliest": [PAST]}
    services.search_series(bw.world.clinic, spec(bw, first=date(2027, 1, 5), last=date(2027, 1, 8)), now=now)  # type: ignore[arg-type]


def test_a_local_today_behind_utc_is_accepted_on_web_and_api(client: Any, db: None) -> None:
    # 03:00 UTC on 5 January is still the evening of 4 January in Los Angeles.
    bw = make_booking_world(make_clinic_world("La", tz="America/Los_Angeles"))
    with clock.frozen(datetime(2027, 1, 5, 3, 0, tzinfo=UTC)):
        status, body = _api_search(bw, "2027-01-04", "2027-01-08")
        web_status, page = _web_search(client, bw, "2027-01-04", "2027-01-08")
    assert status == 200, body
    assert web_status == 200 and PAST not in page


def test_booking_an_option_checks_the_date_too(bw: BookingWorld) -> None:
    s = spec(bw, sessions=1)
    result, _ = services.search_series(bw.world.clinic, s, now=NOW)  # type: ignore[arg-type]
    token = services.encode_option(s, result.options[0].sessions)
    with pytest.raises(InvalidInput, match=PAST):
        services.book_option(
            bw.world.clinic,  # type: ignore[arg-type]
            s,
            token,
            actor=bw.world.memberships["front_desk"],  # type: ignore[arg-type]
            now=NOW + timedelta(days=3),
        )


# --- waiving a late-cancellation fee -----------------------------------------------------------


def _late_appointment(bw: BookingWorld) -> tuple[Appointment, datetime]:
    s = spec(bw, sessions=1)
    result, _ = services.search_series(bw.world.clinic, s, now=NOW)  # type: ignore[arg-type]
    system = SystemActor(bw.world.clinic.pk, "test")  # type: ignore[attr-defined]
    series = services.book_series(bw.world.clinic, s, list(result.options[0].sessions), actor=system)  # type: ignore[arg-type]
    appt = series.appointments.get()
    return appt, appt.start - timedelta(hours=24)  # inside the 48-hour notice period


def test_api_only_an_owner_may_waive(bw: BookingWorld) -> None:
    appt, late = _late_appointment(bw)
    url = f"/appointments/{appt.pk}/cancel"
    with clock.frozen(late):
        status, body = Api(token_for(bw.world, "front_desk")).post(url, {"reason": "ill", "waive_fee": True})
        assert status == 403 and body["error"]["code"] == "forbidden"
        assert body["error"]["fields"] == {"waive_fee": ["Only an owner may waive a late-cancellation fee."]}
        assert Appointment.objects.get(pk=appt.pk).status == AppointmentStatus.BOOKED
        status, body = Api(token_for(bw.world, "owner")).post(url, {"reason": "ill", "waive_fee": True})
    assert status == 200 and body["late"] and float(body["fee_due"]) == 0


def test_web_a_non_owner_asking_to_waive_gets_a_form_error(client: Any, bw: BookingWorld) -> None:
    appt, late = _late_appointment(bw)
    url = reverse("appointment-cancel", kwargs={"pk": appt.pk})
    client.force_login(bw.world.users["front_desk"])
    with clock.frozen(late):
        page = client.get(reverse("appointment-detail", kwargs={"pk": appt.pk}))
        assert 'name="waive_fee"' not in page.content.decode()  # the box is for owners
        refused = client.post(url, {"reason": "ill", "waive_fee": "on"})
    assert refused.status_code == 403
    assert "Only an owner may waive a late-cancellation fee." in refused.content.decode()
    assert Appointment.objects.get(pk=appt.pk).status == AppointmentStatus.BOOKED  # not silently charged
    client.force_login(bw.world.users["owner"])
    with clock.frozen(late):
        assert (
            'name="waive_fee"'
            in client.get(reverse("appointment-detail", kwargs={"pk": appt.pk})).content.decode()
        )
        assert client.post(url, {"reason": "ill", "waive_fee": "on"}).status_code == 302
    appt.refresh_from_db()
    assert appt.status == AppointmentStatus.CANCELLED and appt.late_cancellation and appt.fee_due == 0


# --- too late to change online: one rule for the portal and the staff pages --------------------


def test_portal_and_staff_pages_share_the_too_late_online_rule(client: Any, bw: BookingWorld) -> None:
    from tests.portal.test_portal import sign_in

    appt, late = _late_appointment(bw)
    slug = bw.world.clinic.slug  # type: ignore[attr-defined]
    kwargs = {"slug": slug, "appointment_pk": appt.pk}
    sign_in(client, bw.world)
    with clock.frozen(appt.start - timedelta(days=3)):
        page = client.get(reverse("portal-appointment", kwargs=kwargs)).content.decode()
        assert "Cancel this session" in page and "too late" not in page
    with clock.frozen(late):
        page = client.get(reverse("portal-appointment", kwargs=kwargs)).content.decode()
        assert "Cancel this session" not in page and "too late to change this session online" in page
        moved = client.get(reverse("portal-appointment-reschedule", kwargs=kwargs)).content.decode()
        assert "too late to change this session online" in moved
        refused = client.post(reverse("portal-appointment-cancel", kwargs=kwargs), {"reason": "ill"})
        assert refused.status_code == 400 and "48 hours" in refused.content.decode()
        client.force_login(bw.world.users["front_desk"])
        staff = client.get(reverse("appointment-detail", kwargs={"pk": appt.pk})).content.decode()
        assert "can no longer cancel or move this online" in staff
    assert Appointment.objects.get(pk=appt.pk).status == AppointmentStatus.BOOKED


# --- SeriesSpec checks itself ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"sessions": 0}, "sessions"),
        ({"sessions": 13}, "sessions"),
        ({"gap": (0, 42)}, "gap_min_days"),
        ({"gap": (28, 400)}, "gap_max_days"),
        ({"gap": (42, 28)}, "gap_max_days"),
        ({"first": date(2027, 1, 8), "last": date(2027, 1, 5)}, "first_latest"),
        ({"first": date(2027, 1, 5), "last": date(2029, 1, 5)}, "first_latest"),
    ],
)
def test_series_spec_refuses_what_no_surface_should_send(
    bw: BookingWorld, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        spec(bw, **changes)
    assert field in refused.value.fields


@given(
    sessions=st.integers(-2, 20),
    gap_min=st.integers(-2, 400),
    gap_max=st.integers(-2, 400),
    window=st.integers(-5, 400),
)
def test_series_problems_hold_exactly_when_the_spec_is_impossible(
    sessions: int, gap_min: int, gap_max: int, window: int
) -> None:
    first = date(2027, 1, 5)
    problems = services.series_problems(
        sessions=sessions,
        first_earliest=first,
        first_latest=first + timedelta(days=window),
        gap_min_days=gap_min,
        gap_max_days=gap_max,
    )
    sane = 1 <= sessions <= 12 and 1 <= gap_min <= gap_max <= 366 and 0 <= window <= 366
    assert (not problems) == sane
