"""Charting: depth vs the engine's recommendation and hard limits, lots refused when expired or
recalled, signing locks the chart, addenda keep the original, adverse reactions open events."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from needlepoint.clinic.errors import NotAllowed
from needlepoint.clinic.outcomes.models import AdverseEvent
from needlepoint.clinic.treatments import services
from needlepoint.clinic.treatments.errors import ChartLocked, DepthRefused, LotRefused, WrongState
from needlepoint.clinic.treatments.models import Chart, ChartEntry, Lot
from tests.clinic.treatments.helpers import START, Day, entry_input, lot, treatment_day
from tests.conftest import ClinicWorld


def _chart(day: Day) -> Chart:
    return services.start_chart(day.clinic, day.practitioner, day.appointment, now=START)


def test_entry_at_the_recommended_depth_consumes_each_lot_once_per_session(clinic_a: ClinicWorld) -> None:
    day = treatment_day(clinic_a)
    chart = _chart(day)
    assert chart.plan_id == day.plan.pk and chart.protocol_id
    cheeks = services.add_chart_entry(day.clinic, day.practitioner, chart, entry_input(day), now=START)
    # Cheeks, acne scars, Goodman–Baron 3: the engine recommends 1.5 mm, hard cap 2.0 mm.
    assert (cheeks.depth_mm, cheeks.recommended_mm, cheeks.cap_mm) == (
        Decimal("1.50"),
        Decimal("1.50"),
        Decimal("2.00"),
    )
    assert cheeks.planned_mm == day.plan.areas.get(area="cheeks").depth_mm
    services.add_chart_entry(
        day.clinic,
        day.practitioner,
        chart,
        entry_input(day, "forehead", passes=2, reactions=["erythema"]),
        now=START,
    )
    # One single-use cartridge and one serum for the session, however many areas.
    assert Lot.objects.get(pk=day.cartridge.pk).quantity_used == 1
    assert Lot.objects.get(pk=day.product.pk).quantity_used == 1
    services.remove_chart_entry(day.clinic, day.practitioner, cheeks)
    assert Lot.objects.get(pk=day.cartridge.pk).quantity_used == 1  # forehead still uses it


def test_depth_override_needs_a_reason_and_hard_limits_refuse(clinic_a: ClinicWorld) -> None:
    day = treatment_day(clinic_a)
    chart = _chart(day)
    c, p = day.clinic, day.practitioner
    with pytest.raises(DepthRefused, match="Give a reason") as exc:
        services.add_chart_entry(c, p, chart, entry_input(day, depth_mm=Decimal("1.25")), now=START)
    assert exc.value.field == "override_reason"
    with pytest.raises(DepthRefused, match=r"hard maximum 2\.0 mm") as exc:
        services.add_chart_entry(
            c,
            p,
            chart,
            entry_input(day, depth_mm=Decimal("2.25"), override_reason="deep scars"),
            now=START,
        )
    assert exc.value.field == "depth_mm"
    for odd in ("1.255", "NaN"):  # the engine's input model refuses these; a 400, not a crash
        with pytest.raises(DepthRefused, match="Depth: ") as exc:
            services.add_chart_entry(
                c, p, chart, entry_input(day, depth_mm=Decimal(odd), override_reason="x"), now=START
            )
        assert exc.value.field == "depth_mm"
    # Nothing was consumed by the refusals.
    assert Lot.objects.get(pk=day.cartridge.pk).quantity_used == 0
    entry = services.add_chart_entry(
        c,
        p,
        chart,
        entry_input(day, depth_mm=Decimal("1.25"), override_reason="thin skin over the zygoma"),
        now=START,
    )
    assert entry.is_override and entry.override_reason == "thin skin over the zygoma"
    with pytest.raises(Exception, match="already charted"):
        services.add_chart_entry(c, p, chart, entry_input(day), now=START)


def test_area_outside_the_plan_is_refused(clinic_a: ClinicWorld) -> None:
    day = treatment_day(clinic_a)
    with pytest.raises(Exception, match="not in the client's plan"):
        services.add_chart_entry(
            day.clinic, day.practitioner, _chart(day), entry_input(day, "neck"), now=START
        )


def test_expired_recalled_empty_and_wrong_kind_lots_are_refused(clinic_a: ClinicWorld) -> None:
    day = treatment_day(clinic_a)
    chart = _chart(day)
    c, p = day.clinic, day.practitioner
    # Received in December, expiring on 4 January: usable on the 4th, refused on the 5th (London).
    old = lot(clinic_a, number="OLD-1", expiry=date(2027, 1, 4), now=START - timedelta(days=30))
    with pytest.raises(LotRefused, match="expired on 04 Jan 2027") as exc:
        services.add_chart_entry(c, p, chart, entry_input(day, cartridge_lot=old), now=START)
    assert exc.value.field == "cartridge_lot"
    services.recall_lot(c, day.owner, day.product, reason="Supplier notice 2027-01: sterility")
    with pytest.raises(LotRefused, match="RECALLED") as exc:
        services.add_chart_entry(c, p, chart, entry_input(day), now=START)
    assert exc.value.field == "product_lot"
    with pytest.raises(LotRefused, match="not a needle cartridge"):
        services.add_chart_entry(
            c, p, chart, entry_input(day, cartridge_lot=day.product, product_lot=None), now=START
        )
    empty = lot(clinic_a, number="E-1", quantity=1)
    services.use_lot(c, p, empty)
    with pytest.raises(LotRefused, match="0 left"):
        services.add_chart_entry(
            c, p, chart, entry_input(day, cartridge_lot=empty, product_lot=None), now=START
        )
    assert not ChartEntry.objects.filter(chart=chart).exists()
    assert Lot.objects.get(pk=day.cartridge.pk).quantity_used == 0  # rolled back with the refusal


def test_expired_lot_cannot_be_received(clinic_a: ClinicWorld) -> None:
    with pytest.raises(LotRefused, match="expired"):
        lot(clinic_a, number="X", expiry=date(2027, 1, 4))


def test_signing_locks_the_chart_and_addenda_keep_the_original(clinic_a: ClinicWorld) -> None:
    day = treatment_day(clinic_a)
    c, p = day.clinic, day.practitioner
    chart = _chart(day)
    with pytest.raises(WrongState, match="at least one area"):
        services.sign_chart(c, p, chart, now=START)
    entry = services.add_chart_entry(c, p, chart, entry_input(day, pain_score=4), now=START)
    signed = services.sign_chart(c, p, chart, now=START + timedelta(hours=1))
    assert signed.is_signed and signed.signed_by == p and signed.signature_name == p.name

    with pytest.raises(ChartLocked):
        services.add_chart_entry(c, p, chart, entry_input(day, "forehead"), now=START)
    with pytest.raises(ChartLocked):
        services.remove_chart_entry(c, p, entry)
    with pytest.raises(ChartLocked):
        services.sign_chart(c, p, chart, now=START)
    # The model refuses too, whatever a future caller does.
    stored = ChartEntry.objects.get(pk=entry.pk)
    stored.pain_score = 9
    with pytest.raises(PermissionError):
        stored.save()
    fresh = Chart.objects.get(pk=chart.pk)
    fresh.notes = "rewritten"
    with pytest.raises(PermissionError):
        fresh.save()

    addendum = services.add_addendum(
        c,
        day.owner,
        chart,
        text="Pain was 6, not 4: the client said so after leaving the room.",
        entry=entry,
        now=START + timedelta(hours=3),
    )
    assert ChartEntry.objects.get(pk=entry.pk).pain_score == 4  # the original stays
    assert list(Chart.objects.get(pk=chart.pk).addenda.all()) == [addendum]
    with pytest.raises(PermissionError):
        addendum.text = "changed"
        addendum.save()


def test_addendum_before_signing_and_front_desk_charting_are_refused(clinic_a: ClinicWorld) -> None:
    day = treatment_day(clinic_a)
    chart = _chart(day)
    with pytest.raises(WrongState, match="not signed"):
        services.add_addendum(day.clinic, day.practitioner, chart, text="note")
    with pytest.raises(NotAllowed):
        services.add_chart_entry(day.clinic, day.desk, chart, entry_input(day), now=START)
    with pytest.raises(NotAllowed):
        services.start_chart(day.clinic, day.desk, day.appointment)


def test_chart_needs_check_in(clinic_a: ClinicWorld) -> None:
    day = treatment_day(clinic_a, check_in=False)
    with pytest.raises(WrongState, match="Check the client in"):
        _chart(day)


def test_adverse_reactions_open_events_when_signed(clinic_a: ClinicWorld) -> None:
    day = treatment_day(clinic_a)
    c, p = day.clinic, day.practitioner
    chart = _chart(day)
    services.add_chart_entry(
        c,
        p,
        chart,
        entry_input(day, reactions=["erythema", "urticaria", "vasovagal"], reaction_notes="hives on the jaw"),
        now=START,
    )
    assert not AdverseEvent.objects.exists()  # only on signing
    services.sign_chart(c, p, chart, now=START + timedelta(hours=1))
    events = AdverseEvent.objects.filter(client=day.client, appointment=day.appointment)
    assert sorted(e.type for e in events) == ["allergic_reaction", "other"]  # erythema is expected
    assert all("C-100" in e.lot_code for e in events) and all(e.source == f"chart:{chart.pk}" for e in events)
    assert any("hives on the jaw" in e.description for e in events)


def test_signing_signs_as_the_signer_and_completes_the_appointment_once(clinic_a: ClinicWorld) -> None:
    """The signature is the signed-in practitioner's own name (nothing typed), and signing ends
    the session through booking's set_status: one AppointmentStatusChanged, so aftercare and
    webhooks fire once; a later "Completed" click is refused, not repeated."""
    from needlepoint.clinic import events
    from needlepoint.clinic.booking.services import BookingError, set_status

    day = treatment_day(clinic_a)
    chart = _chart(day)
    services.add_chart_entry(day.clinic, day.practitioner, chart, entry_input(day), now=START)
    with events.captured() as published:
        signed = services.sign_chart(day.clinic, day.practitioner, chart, now=START + timedelta(hours=1))
    assert signed.signature_name == day.practitioner.name and signed.signed_by == day.practitioner
    changes = [e for e in published if e.name == "AppointmentStatusChanged"]
    assert [(e.previous, e.status) for e in changes] == [("checked_in", "completed")]
    day.appointment.refresh_from_db()
    assert day.appointment.status == "completed"
    with pytest.raises(BookingError):
        set_status(day.appointment, "completed", actor=day.desk, now=START + timedelta(hours=2))


def test_an_owner_signing_another_practitioners_chart_is_recorded_as_such(clinic_a: ClinicWorld) -> None:
    day = treatment_day(clinic_a)
    chart = _chart(day)
    services.add_chart_entry(day.clinic, day.practitioner, chart, entry_input(day), now=START)
    signed = services.sign_chart(day.clinic, day.owner, chart, now=START + timedelta(hours=1))
    assert signed.signed_by == day.owner
    assert signed.signature_name == f"{day.owner.name} (owner) for practitioner {day.practitioner.name}"


def test_another_practitioner_may_not_sign_someone_elses_chart(clinic_a: ClinicWorld) -> None:
    from needlepoint.clinic.accounts.models import Membership, Role, User

    day = treatment_day(clinic_a)
    chart = _chart(day)
    services.add_chart_entry(day.clinic, day.practitioner, chart, entry_input(day), now=START)
    user = User.objects.create_user("colleague.a@example.com", "x" * 12)
    colleague = Membership.objects.create(clinic=day.clinic, user=user, role=Role.PRACTITIONER)
    with pytest.raises(NotAllowed, match=r"the session's practitioner"):
        services.sign_chart(day.clinic, colleague, chart, now=START + timedelta(hours=1))
    assert not Chart.objects.get(pk=chart.pk).is_signed
    day.appointment.refresh_from_db()
    assert day.appointment.status == "checked_in"
