"""Deposits: asked for on booking (one per series, on its first session), confirmed when paid
(front desk or card on file), released by the worker when the hold runs out, applied at
checkout. Every money test ends with the ledger check."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest

from needlepoint.clinic import events
from needlepoint.clinic.booking import services
from needlepoint.clinic.booking.engine import engine_appointment
from needlepoint.clinic.booking.models import Appointment, AppointmentStatus, Series
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.errors import Conflict, InvalidInput, NotAllowed
from needlepoint.clinic.payments import deposits, ledger
from needlepoint.clinic.payments.checkout import CheckoutSpec, check_out
from needlepoint.clinic.payments.invoices import LineSpec
from needlepoint.clinic.payments.models import (
    DepositKind,
    DepositPolicy,
    DepositRequest,
    DepositStatus,
    Processor,
    Tender,
    TenderStatus,
)
from needlepoint.clinic.payments.selectors import settings_for
from needlepoint.clinic.permissions import ClientActor, SystemActor
from needlepoint.ops import worker
from tests.clinic.booking.conftest import NOW, BookingWorld, make_booking_world, spec
from tests.conftest import ClinicWorld

from .deposit_fake import FakeCards, installed
from .helpers import assert_ledger_consistent

pytestmark = pytest.mark.django_db


def book_series(bw: BookingWorld, sessions: int = 3) -> list[Appointment]:
    s = spec(bw, sessions=sessions)
    result, _ = services.search_series(bw.world.clinic, s, now=NOW)
    series = services.book_series(
        bw.world.clinic, s, list(result.options[0].sessions), actor=SystemActor(bw.world.clinic.pk, "test")
    )
    return list(series.appointments.order_by("series_index"))


@pytest.fixture
def card(db: None) -> Iterator[FakeCards]:
    with installed() as fake:
        yield fake


@pytest.fixture
def dw(clinic_a: ClinicWorld) -> BookingWorld:
    bw = make_booking_world(clinic_a)
    DepositPolicy.objects.create(
        clinic=clinic_a.clinic, appointment_type=bw.kind, kind=DepositKind.FIXED, amount_minor=5000
    )
    return bw


def with_card(bw: BookingWorld, fake: FakeCards) -> None:
    PaymentSettings = settings_for(bw.world.clinic)
    PaymentSettings.processor = Processor.STRIPE
    PaymentSettings.save()
    fake.cards.add(bw.world.client.pk)


def test_a_series_asks_for_one_deposit_on_its_first_session_and_is_confirmed_once_paid(
    dw: BookingWorld,
) -> None:
    visits = book_series(dw)
    assert DepositRequest.objects.count() == 1
    deposit = DepositRequest.objects.get()
    assert deposit.appointment_id == visits[0].pk and deposit.amount_minor == 5000
    assert deposit.due_by == NOW + timedelta(hours=24) or deposit.due_by <= visits[0].start
    assert [deposits.deposit_state(v) for v in visits] == ["due"] * 3
    assert not any(deposits.is_confirmed(v) for v in visits)

    desk = dw.world.memberships["front_desk"]
    with pytest.raises(NotAllowed):
        deposits.record_deposit_paid(visits[1], "cash", actor=dw.world.memberships["practitioner"], now=NOW)
    with pytest.raises(InvalidInput):
        deposits.record_deposit_paid(visits[1], "stripe", actor=desk, now=NOW)
    with events.captured() as seen:
        paid = deposits.record_deposit_paid(
            visits[2], "card_terminal", actor=desk, now=NOW, reference="slip 7"
        )
    assert paid.status == DepositStatus.PAID and paid.tender is not None
    assert paid.tender.purpose == "deposit" and paid.tender.recorded_by == desk
    assert "PaymentRecorded" in {e.name for e in seen}
    assert all(deposits.is_confirmed(v) for v in visits)
    assert ledger.balances(dw.world.client).deposits_held == 5000
    with pytest.raises(Conflict, match="paid"):
        deposits.record_deposit_paid(visits[0], "cash", actor=desk, now=NOW)
    assert Tender.objects.count() == 1
    assert_ledger_consistent(dw.world.client)


def test_no_policy_means_no_deposit_and_confirmed(clinic_a: ClinicWorld) -> None:
    bw = make_booking_world(clinic_a)
    visits = book_series(bw, sessions=1)
    assert not DepositRequest.objects.exists()
    assert deposits.deposit_state(visits[0]) == "none" and deposits.is_confirmed(visits[0])
    with pytest.raises(Conflict, match="no deposit"):
        deposits.record_deposit_paid(visits[0], "cash", actor=clinic_a.memberships["owner"], now=NOW)


def test_a_single_booking_carries_its_own_deposit(dw: BookingWorld) -> None:
    first = book_series(dw, sessions=1)[0]
    other = Client.objects.create(
        clinic=dw.world.clinic, first_name="Solo", last_name="Visit", date_of_birth=date(1985, 1, 2)
    )
    e = engine_appointment(first)
    services.cancel_appointment(first, actor=dw.world.memberships["owner"], reason="x", now=NOW)
    single = services.book_single(
        dw.world.clinic, other, dw.kind, e, actor=SystemActor(dw.world.clinic.pk, "test")
    )
    assert single.series_id is None
    assert DepositRequest.objects.get(appointment=single).amount_minor == 5000


def test_percent_deposit_of_an_unpriced_visit_asks_for_nothing(dw: BookingWorld) -> None:
    DepositPolicy.objects.filter(appointment_type=dw.kind).update(kind=DepositKind.PERCENT, percent_bp=2500)
    visit = book_series(dw, sessions=1)[0]
    assert deposits.amount_for(visit) == 0 and not DepositRequest.objects.exists()


def test_percent_deposit_is_a_share_of_the_series_price(
    dw: BookingWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    from needlepoint.clinic.pricing.services import PlanPrice

    DepositPolicy.objects.filter(appointment_type=dw.kind).update(kind=DepositKind.PERCENT, percent_bp=2500)
    visits = book_series(dw, sessions=3)
    # pricing decides the series' price (its plan's quote); here the plan is agreed at £799.99
    monkeypatch.setattr(deposits, "price_of_plan", lambda plan: PlanPrice(Decimal("799.99"), "GBP", None))
    Series.objects.filter(pk=visits[0].series_id).update(plan_id=None)
    assert deposits.price_minor(visits[0]) is None  # no plan: no price
    monkeypatch.setattr(deposits, "price_minor", lambda appt: 79999)
    assert deposits.amount_for(visits[2]) == 20000  # 25 % of £799.99, rounded half up


def test_card_deposit_declined_sca_unknown_then_success(dw: BookingWorld, card: FakeCards) -> None:
    visits = book_series(dw)
    client = dw.world.client
    desk = dw.world.memberships["front_desk"]
    with pytest.raises(Conflict, match="on its own terminal"):
        deposits.pay_deposit_with_card(visits[0], actor=desk, now=NOW)
    with_card(dw, card)

    for answer in ("failed", "requires_action"):
        card.answer = answer
        with events.captured() as seen:
            outcome = deposits.pay_deposit_with_card(visits[0], actor=desk, now=NOW)
        assert outcome.status == answer
        assert [e.purpose for e in seen if e.name == "PaymentFailed"] == ["deposit"]
        assert deposits.deposit_state(visits[0]) == "due"
        assert_ledger_consistent(client)

    card.answer = "unknown"  # a timeout: the tender stays pending, nothing posted, no second try
    outcome = deposits.pay_deposit_with_card(visits[0], actor=desk, now=NOW)
    pending = Tender.objects.get(status=TenderStatus.PENDING)
    assert deposits.deposit_state(visits[0]) == "due" and ledger.balances(client).deposits_held == 0
    with pytest.raises(Conflict, match="still being processed"):
        deposits.pay_deposit_with_card(visits[0], actor=desk, now=NOW)
    # the worker holds off releasing while the answer is outstanding
    assert deposits.release_expired(now=NOW + timedelta(days=2)) == 0
    assert_ledger_consistent(client)

    # the processor's answer arrives (webhook / reconcile): the same tender settles once
    from django.db import transaction

    from needlepoint.clinic.payments.tenders import settle

    with transaction.atomic():
        settle(pending, at=NOW)
        settle(pending, at=NOW)
    assert deposits.deposit_state(visits[0]) == "paid"
    assert ledger.balances(client).deposits_held == 5000
    assert len(card.charges) == 3
    assert_ledger_consistent(client)


def test_client_pays_own_deposit_by_card(dw: BookingWorld, card: FakeCards) -> None:
    visits = book_series(dw)
    with_card(dw, card)
    outcome = deposits.pay_deposit_with_card(visits[0], actor=ClientActor(dw.world.client), now=NOW)
    assert outcome.status == "succeeded" and card.charges[0][1:] == (5000, False)
    assert deposits.is_confirmed(visits[1])
    assert Tender.objects.get().processor_id == f"pi_{Tender.objects.get().pk}"
    assert_ledger_consistent(dw.world.client)


def test_a_card_on_file_required_keeps_the_booking_unconfirmed_until_one_is_saved(
    dw: BookingWorld, card: FakeCards
) -> None:
    DepositPolicy.objects.filter(appointment_type=dw.kind).update(card_required=True)
    visits = book_series(dw)
    deposits.record_deposit_paid(visits[0], "cash", actor=dw.world.memberships["front_desk"], now=NOW)
    assert deposits.is_confirmed(visits[0])  # paid elsewhere mode: no card to keep
    settings = settings_for(dw.world.clinic)
    settings.processor = Processor.STRIPE
    settings.save()
    assert deposits.card_needed(visits[1]) and not deposits.is_confirmed(visits[1])
    card.cards.add(dw.world.client.pk)
    assert not deposits.card_needed(visits[1]) and deposits.is_confirmed(visits[1])
    assert_ledger_consistent(dw.world.client)


def test_unpaid_deposit_releases_the_whole_series_through_the_worker_step(dw: BookingWorld) -> None:
    visits = book_series(dw)
    deposit = DepositRequest.objects.get()
    assert deposits.release_expired(now=deposit.due_by - timedelta(minutes=1)) == 0
    from needlepoint import clock

    with clock.frozen(deposit.due_by + timedelta(minutes=1)):
        assert worker.run(once=True) >= 1  # the release step runs in the worker loop
    deposit.refresh_from_db()
    assert deposit.status == DepositStatus.RELEASED
    assert {a.status for a in Appointment.objects.filter(pk__in=[v.pk for v in visits])} == {
        AppointmentStatus.CANCELLED
    }
    # released bookings cost nothing: no fee, no ledger entry
    assert ledger.balances(dw.world.client).owed == 0
    assert deposits.release_expired(now=deposit.due_by + timedelta(days=1)) == 0
    assert_ledger_consistent(dw.world.client)


def test_paid_deposit_is_applied_at_the_first_sessions_checkout(dw: BookingWorld) -> None:
    visits = book_series(dw)
    desk = dw.world.memberships["front_desk"]
    deposits.record_deposit_paid(visits[0], "cash", actor=desk, now=NOW)
    line = LineSpec(kind="treatment", description="Face", unit_price_minor=20000, areas=("face",))
    result = check_out(visits[0], CheckoutSpec([line]), actor=desk, now=visits[0].end + timedelta(hours=1))
    assert result.deposit_applied == 5000 and result.owed == 15000
    assert deposits.deposit_state(visits[0]) == DepositStatus.APPLIED
    assert deposits.is_confirmed(visits[2])
    assert ledger.balances(dw.world.client).deposits_held == 0
    assert_ledger_consistent(dw.world.client)
