"""Cancelling (policy, fee, waitlist offers), moving (series repair) and status changes."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from needlepoint.clinic.accounts.models import Membership
from needlepoint.clinic.booking import services
from needlepoint.clinic.booking.engine import engine_appointment
from needlepoint.clinic.booking.models import Appointment, AppointmentStatus, WaitlistStatus
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.permissions import ClientActor, SystemActor
from tests.clinic.booking.conftest import NOW, BookingWorld, spec


def _series(bw: BookingWorld, client: Client | None = None, **kw: object) -> list[Appointment]:
    s = spec(bw, client, **kw)
    result, _ = services.search_series(bw.world.clinic, s, now=NOW)
    series = services.book_series(
        bw.world.clinic, s, list(result.options[0].sessions), actor=SystemActor(bw.world.clinic.pk, "test")
    )
    return list(series.appointments.order_by("series_index"))


def _desk(bw: BookingWorld) -> Membership:
    return bw.world.memberships["front_desk"]  # type: ignore[return-value]


def _client(bw: BookingWorld, name: str) -> Client:
    return Client.objects.create(
        clinic=bw.world.clinic, first_name=name, last_name="Waiting", date_of_birth=date(1990, 2, 2)
    )


def test_cancel_with_notice_has_no_fee(bw: BookingWorld) -> None:
    appt = _series(bw, sessions=1)[0]
    result = services.cancel_appointment(
        appt, actor=ClientActor(appt.client), reason="", now=appt.start - timedelta(days=3)
    )
    appt.refresh_from_db()
    assert appt.status == AppointmentStatus.CANCELLED and not result.late and result.fee_due == 0
    assert appt.sequence == 1  # calendar apps see the change


def test_late_cancellation_is_flagged_with_the_fee_and_refused_online(bw: BookingWorld) -> None:
    appt = _series(bw, sessions=1)[0]
    late_now = appt.start - timedelta(hours=24)
    with pytest.raises(services.OutsidePolicy, match="48 hours"):
        services.cancel_appointment(appt, actor=ClientActor(appt.client), reason="", now=late_now)
    result = services.cancel_appointment(
        appt, actor=bw.world.memberships["front_desk"], reason="ill", now=late_now
    )
    assert result.late and result.fee_due == Decimal("50.00")


def test_freed_slot_is_offered_to_the_first_suitable_waiting_client(bw: BookingWorld) -> None:
    appt = _series(bw, sessions=1)[0]
    day = appt.start.astimezone(ZoneInfo("Europe/London")).date()
    desk = _desk(bw)
    first = services.add_to_waitlist(
        _client(bw, "First"), bw.kind, day - timedelta(days=1), day + timedelta(days=3), actor=desk
    )
    second = services.add_to_waitlist(_client(bw, "Second"), bw.kind, day, day, actor=desk)
    services.add_to_waitlist(
        _client(bw, "Elsewhere"), bw.kind, day + timedelta(days=5), day + timedelta(days=9), actor=desk
    )
    early = appt.start - timedelta(days=3)
    result = services.cancel_appointment(appt, actor=ClientActor(appt.client), reason="", now=early)
    assert [o.pk for o in result.offers] == [first.pk]
    first.refresh_from_db()
    assert first.status == WaitlistStatus.OFFERED and first.offered_start == appt.start
    # The offer expires unanswered: the slot goes to the next in line.
    later = first.offer_expires_at + timedelta(minutes=1)
    new = services.expire_offers(bw.world.clinic.pk, now=later)
    assert [o.pk for o in new] == [second.pk]
    booked = services.accept_offer(second, actor=desk, now=later)
    assert booked.start == appt.start and booked.client.first_name == "Second"
    second.refresh_from_db()
    assert second.status == WaitlistStatus.BOOKED


def test_accepting_an_offer_for_a_slot_taken_meanwhile_fails_cleanly(bw: BookingWorld) -> None:
    appt = _series(bw, sessions=1)[0]
    day = appt.start.astimezone(ZoneInfo("Europe/London")).date()
    entry = services.add_to_waitlist(_client(bw, "Hopeful"), bw.kind, day, day, actor=_desk(bw))
    services.cancel_appointment(
        appt, actor=ClientActor(appt.client), reason="", now=appt.start - timedelta(days=3)
    )
    entry.refresh_from_db()
    services.book_single(
        bw.world.clinic,
        _client(bw, "Walkin"),
        bw.kind,
        engine_appointment(appt),
        actor=SystemActor(bw.world.clinic.pk, "test"),
    )
    with pytest.raises(services.SlotTaken):
        services.accept_offer(entry, actor=_desk(bw), now=appt.start - timedelta(days=3, hours=-1))


def test_moving_within_the_windows_applies_directly(bw: BookingWorld) -> None:
    last = _series(bw)[-1]  # the earliest series uses the minimum gaps: only the last can go later alone
    target = last.start + timedelta(days=1)
    outcome = services.reschedule_appointment(last, target, actor=bw.world.memberships["front_desk"], now=NOW)
    assert outcome.applied, outcome.message
    last.refresh_from_db()
    assert last.start == target and last.sequence == 1


def test_moving_outside_the_windows_proposes_a_repair_and_applies_it_only_when_asked(
    bw: BookingWorld,
) -> None:
    appts = _series(bw)
    second, third = appts[1], appts[2]
    # Push session 2 to 40 days after session 1: session 3 is then too close and must move too.
    zone = ZoneInfo("Europe/London")
    day = appts[0].start.astimezone(zone).date() + timedelta(days=40)
    while day.weekday() > 4:
        day += timedelta(days=1)
    target = datetime.combine(day, second.start.astimezone(zone).time(), zone)
    actor = bw.world.memberships["owner"]
    outcome = services.reschedule_appointment(second, target, actor=actor, now=NOW)
    if outcome.applied:  # the booked third session happened to still fit: nothing to repair
        return
    assert outcome.proposal is not None and outcome.changes
    third.refresh_from_db()
    before = third.start
    assert Appointment.objects.get(pk=second.pk).start != target  # nothing changed yet
    applied = services.reschedule_appointment(second, target, actor=actor, now=NOW, apply_repair=True)
    assert applied.applied
    starts = [
        a.start.astimezone(zone).date()
        for a in Appointment.objects.filter(series=second.series).order_by("series_index")
    ]
    for a, b in itertools.pairwise(starts):
        assert 28 <= (b - a).days <= 42
    third.refresh_from_db()
    assert third.start != before


def test_client_cannot_move_online_inside_the_notice_period(bw: BookingWorld) -> None:
    appt = _series(bw, sessions=1)[0]
    with pytest.raises(services.OutsidePolicy):
        services.reschedule_appointment(
            appt,
            appt.start + timedelta(days=1),
            actor=ClientActor(appt.client),
            now=appt.start - timedelta(hours=3),
        )


def test_status_transitions_and_consent_gate(bw: BookingWorld) -> None:
    from tests.clinic.journey_helpers import confirmed_plan, signed

    appt = _series(bw, sessions=1)[0]
    with pytest.raises(services.BookingError, match="after the appointment time"):
        services.set_status(appt, AppointmentStatus.NO_SHOW, actor=_desk(bw), now=NOW)
    # Treatment starts at check-in: refused without a signed consent for the client's plan.
    with pytest.raises(services.BookingError, match=r"Cannot start treatment: .*no confirmed treatment plan"):
        services.set_status(appt, AppointmentStatus.CHECKED_IN, actor=_desk(bw), now=appt.arrival)
    plan = confirmed_plan(bw.world)
    with pytest.raises(services.BookingError, match="no consent document has been generated"):
        services.set_status(appt, AppointmentStatus.CHECKED_IN, actor=_desk(bw), now=appt.arrival)
    signed(bw.world, plan)
    services.set_status(appt, AppointmentStatus.CHECKED_IN, actor=_desk(bw), now=appt.arrival)
    services.set_status(appt, AppointmentStatus.COMPLETED, actor=_desk(bw), now=appt.end)
    with pytest.raises(services.BookingError, match="cannot become"):
        services.set_status(appt, AppointmentStatus.BOOKED, actor=_desk(bw), now=appt.end)
