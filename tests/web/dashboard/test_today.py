"""The start page as each role uses it: the day sheet, red flags (front desk sees that one needs a
practitioner, never the symptoms), one-click actions through the services, the checklist."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.booking.models import AppointmentStatus
from needlepoint.clinic.messaging.models import ReactionReport
from needlepoint.clinic.messaging.reactions import ReportInput, submit_report
from needlepoint.clinic.treatments.models import NumbingApplication
from tests.clinic.treatments.helpers import START, appointment_at, treatment_day
from tests.conftest import ClinicWorld
from tests.web.test_isolation import EXTRA_ROUTES

EXTRA_ROUTES.update(
    {
        "today-check-in": "appointment",
        "today-start-numbing": "appointment",
        "today-no-show": "appointment",
        "red-flag-acknowledge": "reaction_report",
    }
)

SECRET = "pus near the left cheek and a fever of 39"


def _red_flag(world: ClinicWorld) -> ReactionReport:
    report, _ = submit_report(
        world.client,  # type: ignore[arg-type]
        None,
        ReportInput(["pus", "fever"], days_since_session=2, redness_days=None, free_text=SECRET),
        [],
    )
    return report


def _page(client: Any, world: ClinicWorld, role: str) -> str:
    client.force_login(world.users[role])
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return str(response.content.decode())


def test_clinicians_see_red_flags_first_and_front_desk_only_that_one_waits(
    client, clinic_a: ClinicWorld
) -> None:
    treatment_day(clinic_a, check_in=False)
    _red_flag(clinic_a)
    for role in (Role.OWNER, Role.PRACTITIONER):
        body = _page(client, clinic_a, role)
        assert body.index("Red-flag reaction report") < body.index("Arrivals")
        assert "Pus or yellow discharge" in body and "Acknowledge" in body
    desk = _page(client, clinic_a, Role.FRONT_DESK)
    assert "1 red-flag report needs a practitioner" in desk
    for clinical in ("Pus", "Fever", SECRET, "Acknowledge", reverse("reaction-reports")):
        assert clinical not in desk


def test_the_sheet_shows_arrivals_with_state_and_local_time(client, clinic_a: ClinicWorld) -> None:
    day = treatment_day(clinic_a, check_in=False)
    body = _page(client, clinic_a, Role.FRONT_DESK)
    assert f'data-appointment="{day.appointment.pk}" data-state="expected"' in body
    assert "09:15" in body and "start 10:00" in body  # London in January: GMT
    assert "Check in" in body and "No-show" in body  # 10:00 has come


def test_one_click_check_in_then_numbing(client, clinic_a: ClinicWorld) -> None:
    day = treatment_day(clinic_a, check_in=False)
    client.force_login(clinic_a.users[Role.FRONT_DESK])
    response = client.post(reverse("today-check-in", args=[day.appointment.pk]), follow=True)
    assert "ZeldaA ClientA is checked in." in response.content.decode()
    day.appointment.refresh_from_db()
    assert day.appointment.status == AppointmentStatus.CHECKED_IN
    response = client.post(reverse("today-start-numbing", args=[day.appointment.pk]), follow=True)
    assert "Numbing started for ZeldaA ClientA: ready at 10:45." in response.content.decode()
    application = NumbingApplication.objects.get(appointment=day.appointment)
    assert application.applied_at == START and sorted(application.areas) == ["cheeks", "forehead"]
    assert 'data-state="numbing"' in response.content.decode()


def test_no_show_goes_through_the_booking_rule(client, clinic_a: ClinicWorld) -> None:
    treatment_day(clinic_a, check_in=False)
    upcoming = appointment_at(clinic_a, START + timedelta(hours=2))
    past = appointment_at(clinic_a, START - timedelta(hours=2))  # ends as the 10:00's arrival starts
    client.force_login(clinic_a.users[Role.FRONT_DESK])
    refused = client.post(reverse("today-no-show", args=[upcoming.pk]), follow=True)
    assert "A no-show can only be recorded after the appointment time." in refused.content.decode()
    client.post(reverse("today-no-show", args=[past.pk]))
    upcoming.refresh_from_db()
    past.refresh_from_db()
    assert (upcoming.status, past.status) == (AppointmentStatus.BOOKED, AppointmentStatus.NO_SHOW)


def test_check_in_without_consent_is_refused_with_a_message(client, clinic_a: ClinicWorld) -> None:
    appt = appointment_at(clinic_a, START + timedelta(hours=1))  # no plan, no consent
    client.force_login(clinic_a.users[Role.FRONT_DESK])
    response = client.post(reverse("today-check-in", args=[appt.pk]), follow=True)
    assert "Sign the consent first." in response.content.decode()
    appt.refresh_from_db()
    assert appt.status == AppointmentStatus.BOOKED


def test_acknowledging_a_red_flag_is_clinical_recorded_and_audited(client, clinic_a: ClinicWorld) -> None:
    report = _red_flag(clinic_a)
    url = reverse("red-flag-acknowledge", args=[report.pk])
    client.force_login(clinic_a.users[Role.FRONT_DESK])
    assert client.post(url).status_code == 403
    client.force_login(clinic_a.users[Role.PRACTITIONER])
    response = client.post(url, follow=True)
    body = response.content.decode()
    assert "Red-flag report of ZeldaA ClientA acknowledged." in body and "Acknowledge</button>" not in body
    report.refresh_from_db()
    assert report.acknowledged_by == clinic_a.memberships[Role.PRACTITIONER]
    assert report.acknowledged_at == START
    entry = LogEntry.objects.get_for_object(report).filter(action=LogEntry.Action.UPDATE).get()
    assert "acknowledged_at" in entry.changes_dict and entry.actor == clinic_a.users[Role.PRACTITIONER]
    again = client.post(url, follow=True)
    assert "Already acknowledged by" in again.content.decode()


def test_a_practitioner_sees_their_own_appointments_first(client, clinic_a: ClinicWorld) -> None:
    treatment_day(clinic_a, check_in=False)
    body = _page(client, clinic_a, Role.PRACTITIONER)
    assert "Your appointments" in body
    assert "Your appointments" not in _page(client, clinic_a, Role.FRONT_DESK)


def test_checklist_for_a_new_clinics_owner_only_until_done(client, clinic_a: ClinicWorld) -> None:
    owner = _page(client, clinic_a, Role.OWNER)
    assert "Set up your clinic" in owner and reverse("appointment-types-create") in owner
    assert reverse("rota") in owner and reverse("price-list") in owner
    assert "Set up your clinic" not in _page(client, clinic_a, Role.FRONT_DESK)
    from tests.clinic.treatments.test_dayplan import _complete

    _complete(clinic_a)
    assert "Set up your clinic" not in _page(client, clinic_a, Role.OWNER)


@pytest.mark.parametrize("route", ["today-check-in", "today-start-numbing", "today-no-show"])
def test_other_clinics_appointments_are_not_found(
    client, clinic_a: ClinicWorld, clinic_b: ClinicWorld, route: str
) -> None:
    theirs = appointment_at(clinic_b, START)
    client.force_login(clinic_a.users[Role.OWNER])
    assert client.post(reverse(route, args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == AppointmentStatus.BOOKED


def test_other_clinics_red_flags_are_not_found(client, clinic_a: ClinicWorld, clinic_b: ClinicWorld) -> None:
    report = _red_flag(clinic_b)
    client.force_login(clinic_a.users[Role.OWNER])
    assert client.post(reverse("red-flag-acknowledge", args=[report.pk])).status_code == 404
    assert "ZeldaB" not in client.get(reverse("dashboard")).content.decode()
