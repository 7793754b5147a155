"""The day sheet's selector: each state read from what the clinic records, arrival order, the
location's own calendar day (a New York DST day), outstanding consents/charts, and the owner's
first-run checklist."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.booking.checklist import setup_checklist
from needlepoint.clinic.booking.models import Appointment, AppointmentStatus
from needlepoint.clinic.treatments import services
from needlepoint.clinic.treatments.dayplan import ArrivalState, day_sheet
from needlepoint.clinic.treatments.models import Chart
from tests.clinic.treatments.helpers import START, appointment_at, treatment_day
from tests.conftest import ClinicWorld, make_clinic_world

TODAY = date(2027, 1, 5)  # START's date in London (GMT)


def _status(appt: Appointment, status: str) -> None:
    Appointment.objects.filter(pk=appt.pk).update(status=status)
    appt.status = status


def test_each_state_comes_from_status_numbing_and_chart_in_arrival_order(clinic_a: ClinicWorld) -> None:
    day = treatment_day(clinic_a)  # 10:00, checked in, nothing else yet → arrived
    w: Any = clinic_a
    desk, pract = w.memberships[Role.FRONT_DESK], w.memberships[Role.PRACTITIONER]
    # Ten-minute sessions an hour apart from 12:00 (after the 10:00 ends): on PostgreSQL the
    # exclusion constraints refuse one practitioner, room or device twice at once.
    expected = appointment_at(clinic_a, START + timedelta(hours=5), minutes=10)
    numbing = appointment_at(clinic_a, START + timedelta(hours=2), minutes=10)
    services.check_in(w.clinic, desk, numbing, now=START)
    services.record_numbing(w.clinic, desk, numbing, areas=["cheeks"], now=START)
    wiped = appointment_at(clinic_a, START + timedelta(hours=3), minutes=10)
    services.check_in(w.clinic, desk, wiped, now=START)
    applied = services.record_numbing(w.clinic, desk, wiped, areas=["cheeks"], now=START - timedelta(hours=1))
    services.remove_numbing(w.clinic, desk, applied, now=START)
    signed = appointment_at(clinic_a, START + timedelta(hours=4), minutes=10)
    services.check_in(w.clinic, desk, signed, now=START)
    chart = services.start_chart(w.clinic, pract, signed, now=START)
    # Signed as the chart service records it (its signing rules are tested with the charts).
    Chart.objects.filter(pk=chart.pk).update(signed_at=START, signed_by=pract, signature_name=pract.name)
    done = appointment_at(clinic_a, START - timedelta(hours=2), minutes=10)
    _status(done, AppointmentStatus.COMPLETED)
    missed = appointment_at(clinic_a, START - timedelta(hours=1), minutes=10)
    _status(missed, AppointmentStatus.NO_SHOW)
    cancelled = appointment_at(clinic_a, START + timedelta(hours=6), minutes=10)
    _status(cancelled, AppointmentStatus.CANCELLED)

    sheet = day_sheet(w.location, TODAY, viewer=desk, now=START)

    states = [(a.appointment.pk, a.state) for a in sheet.arrivals]
    assert states == [
        (done.pk, ArrivalState.DONE),
        (missed.pk, ArrivalState.NO_SHOW),
        (day.appointment.pk, ArrivalState.ARRIVED),
        (numbing.pk, ArrivalState.NUMBING),
        (wiped.pk, ArrivalState.IN_TREATMENT),
        (signed.pk, ArrivalState.CHECKING_OUT),
        (expected.pk, ArrivalState.EXPECTED),
    ]  # the cancelled one is not on the sheet
    by_pk = {a.appointment.pk: a for a in sheet.arrivals}
    clock = by_pk[numbing.pk].clock
    assert clock is not None and clock.state == "numbing"
    assert by_pk[numbing.pk].ready_at == datetime(2027, 1, 5, 10, 45, tzinfo=UTC)  # 45 min onset
    assert by_pk[day.appointment.pk].can_start_numbing and not by_pk[day.appointment.pk].can_check_in
    assert by_pk[expected.pk].can_check_in and not by_pk[expected.pk].can_mark_no_show  # not yet time
    assert not by_pk[expected.pk].late
    assert not sheet.consents_missing  # the plan is consented
    assert [c.pk for c in sheet.unsigned_charts] == []  # the one chart is signed


def test_late_no_show_possible_and_a_practitioners_own_first(clinic_a: ClinicWorld) -> None:
    treatment_day(clinic_a, check_in=False)  # 10:00 (arrival 09:15), still booked
    w: Any = clinic_a
    from needlepoint.clinic.accounts.models import Membership, User

    user = User.objects.create_user("colleague@example.com", "x" * 12)
    colleague = Membership.objects.create(clinic=w.clinic, user=user, role=Role.PRACTITIONER)
    theirs = appointment_at(clinic_a, START + timedelta(hours=2))  # after the 10:00 (same room)
    Appointment.objects.filter(pk=theirs.pk).update(practitioner=colleague)
    now = START + timedelta(minutes=5)

    sheet = day_sheet(w.location, TODAY, viewer=colleague, now=now)

    assert [a.appointment.pk for a in sheet.mine] == [theirs.pk]
    first = sheet.others[0]
    assert first.late and first.can_mark_no_show and first.can_check_in


def test_consent_missing_and_unsigned_charts_are_outstanding(clinic_a: ClinicWorld) -> None:
    day = treatment_day(clinic_a)
    w: Any = clinic_a
    pract = w.memberships[Role.PRACTITIONER]
    yesterday = appointment_at(clinic_a, START - timedelta(days=1))
    _status(yesterday, AppointmentStatus.CHECKED_IN)
    services.start_chart(w.clinic, pract, yesterday, now=START)
    from needlepoint.clinic.clients.models import Client

    newcomer = Client.objects.create(
        clinic=w.clinic, first_name="Nia", last_name="New", date_of_birth=date(1991, 1, 1)
    )
    appt = appointment_at(clinic_a, START + timedelta(hours=2))
    Appointment.objects.filter(pk=appt.pk).update(client=newcomer)

    sheet = day_sheet(w.location, TODAY, viewer=pract, now=START)

    assert [(a.appointment.pk, a.consent_missing) for a in sheet.consents_missing] == [
        (appt.pk, "no confirmed treatment plan")
    ]
    assert [c.appointment_id for c in sheet.unsigned_charts] == [yesterday.pk]
    assert day.appointment.pk in {a.appointment.pk for a in sheet.arrivals}


def test_a_new_york_dst_day_holds_that_local_date_and_shows_local_times(db: None) -> None:
    ny = make_clinic_world("NY", tz="America/New_York")
    # 14 March 2027: clocks go from 02:00 EST to 03:00 EDT. Local midnight is 05:00 UTC, the
    # next is 04:00 UTC (a 23-hour day).
    before = appointment_at(ny, datetime(2027, 3, 14, 4, 30, tzinfo=UTC))  # 13 Mar 23:30 EST
    early = appointment_at(ny, datetime(2027, 3, 14, 6, 30, tzinfo=UTC))  # 01:30 EST
    late = appointment_at(ny, datetime(2027, 3, 14, 14, 0, tzinfo=UTC))  # 10:00 EDT
    last = appointment_at(ny, datetime(2027, 3, 15, 3, 30, tzinfo=UTC))  # 23:30 EDT
    after = appointment_at(ny, datetime(2027, 3, 15, 5, 30, tzinfo=UTC))  # 15 Mar 01:30 EDT
    now = datetime(2027, 3, 14, 15, 0, tzinfo=UTC)

    sheet = day_sheet(ny.location, date(2027, 3, 14), viewer=None, now=now)  # type: ignore[arg-type]

    assert [a.appointment.pk for a in sheet.arrivals] == [early.pk, late.pk, last.pk]
    assert {before.pk, after.pk}.isdisjoint(a.appointment.pk for a in sheet.arrivals)
    shown = [(f"{a.start:%H:%M %Z}", f"{a.arrival:%H:%M %Z}") for a in sheet.arrivals]
    assert shown == [("01:30 EST", "00:45 EST"), ("10:00 EDT", "09:15 EDT"), ("23:30 EDT", "22:45 EDT")]


def test_checklist_lists_what_a_new_clinic_lacks_until_all_is_set_up(db: None) -> None:
    from needlepoint.clinic.accounts.models import Membership, User
    from needlepoint.clinic.clinics.models import Clinic

    clinic = Clinic.objects.create(name="Fresh", slug="fresh")
    owner = User.objects.create_user("fresh-owner@example.com", "x" * 12)
    Membership.objects.create(clinic=clinic, user=owner, role=Role.OWNER)
    first = setup_checklist(clinic)
    assert not first.done and first.done_count == 0
    assert [s.key for s in first.steps] == [
        "location",
        "rooms",
        "devices",
        "staff",
        "appointment_types",
        "prices",
        "rota",
    ]

    w = make_clinic_world("Full")  # location, room, device, practitioner
    partly = setup_checklist(w.clinic)  # type: ignore[arg-type]
    assert {s.key for s in partly.steps if not s.done} == {"appointment_types", "prices", "rota"}
    _complete(w)
    assert setup_checklist(w.clinic).done  # type: ignore[arg-type]


def _complete(w: Any) -> None:
    from datetime import time
    from decimal import Decimal

    from needlepoint.clinic.booking.models import AppointmentType, WeeklyShift
    from needlepoint.clinic.pricing.models import AreaPrice, PriceList

    AppointmentType.objects.create(clinic=w.clinic, name="Microneedling")
    prices = PriceList.objects.create(clinic=w.clinic)
    AreaPrice.objects.create(clinic=w.clinic, price_list=prices, area="cheeks", per_session=Decimal("150"))
    WeeklyShift.objects.create(
        clinic=w.clinic,
        practitioner=w.memberships[Role.PRACTITIONER],
        location=w.location,
        weekday=0,
        start=time(9),
        end=time(17),
    )
