"""The demo is a clinic at work *today*, whenever it is started (issue 18): at each location the
day so far happened (completed, a no-show), someone is being treated or numbed, someone has
arrived, others are expected; the week ahead is booked; a red-flag report and a waitlist offer
wait; nobody is double-booked; the owner lands in the main clinic."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client as HttpClient

from needlepoint import clock
from needlepoint.clinic.accounts.models import User
from needlepoint.clinic.booking.models import Appointment, AppointmentStatus, WaitlistEntry, WaitlistStatus
from needlepoint.clinic.clinics.models import Location
from needlepoint.clinic.messaging.models import ReactionReport
from needlepoint.clinic.treatments.models import Chart, NumbingApplication
from needlepoint.ops.demo import load_demo

# 16:10 in London (the day mostly done), 11:10 in New York (the morning under way); a Sunday,
# so a weekend day is a working day in the demo too.
AT = datetime(2027, 3, 7, 16, 10, tzinfo=UTC)


def _today(location: Location) -> list[Appointment]:
    zone = ZoneInfo(location.timezone)
    day = AT.astimezone(zone).date()
    return [
        a
        for a in Appointment.objects.filter(location=location).order_by("start")
        if a.start.astimezone(zone).date() == day
    ]


@pytest.mark.django_db
def test_the_demo_day_is_under_way_at_every_location() -> None:
    with clock.frozen(AT):
        load_demo(client_count=120)
    london, new_york = Location.objects.filter(clinic__slug="needlepoint-demo").order_by("pk")
    # London, late afternoon: the day happened (one no-show, the rest completed).
    statuses = Counter(a.status for a in _today(london))
    assert statuses[AppointmentStatus.NO_SHOW] == 1 and statuses[AppointmentStatus.COMPLETED] >= 3, statuses
    assert statuses[AppointmentStatus.BOOKED] == 0, statuses
    # New York mid-morning: someone in the chair or numbing now, and people still to come.
    ny_day = _today(new_york)
    current = [a for a in ny_day if a.status == AppointmentStatus.CHECKED_IN]
    assert current and all(a.arrival <= AT + timedelta(minutes=30) for a in current)
    assert NumbingApplication.objects.filter(appointment__in=current).exists()
    assert any(a.status == AppointmentStatus.BOOKED and a.arrival > AT for a in ny_day)
    assert all(a.status != AppointmentStatus.BOOKED for a in ny_day if a.end <= AT)
    treated = [a for a in current if a.start <= AT]
    assert all(Chart.objects.filter(appointment=a).exists() for a in treated)
    # The week ahead is booked at both locations.
    week = Appointment.objects.filter(
        clinic__slug="needlepoint-demo", start__gt=AT, start__lt=AT + timedelta(days=7)
    )
    assert {a.location_id for a in week} == {london.pk, new_york.pk} and week.count() >= 30
    assert ReactionReport.objects.exclude(red_flags=[]).count() == 1
    assert WaitlistEntry.objects.filter(status=WaitlistStatus.OFFERED).count() == 1


@pytest.mark.django_db
def test_the_demo_is_idempotent_within_the_day_and_the_owner_lands_in_the_main_clinic() -> None:
    with clock.frozen(AT):
        load_demo(client_count=60)
        before = Appointment.objects.count()
        load_demo(client_count=60)
    assert Appointment.objects.count() == before
    browser = HttpClient()
    browser.force_login(User.objects.get(email="owner@demo.needlepoint.test"))
    response = browser.get("/", follow=True)
    assert response.wsgi_request.clinic.slug == "needlepoint-demo"  # type: ignore[attr-defined]
