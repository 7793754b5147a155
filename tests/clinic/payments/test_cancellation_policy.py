"""The cancellation policy: notice → refund, late or no-show → forfeit or fee (charged off-session
to a saved card after commit), owners waive by new entries; the booking's late flag agrees."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db.models import F

from needlepoint.clinic import events
from needlepoint.clinic.booking import services
from needlepoint.clinic.booking.models import Appointment, AppointmentStatus
from needlepoint.clinic.errors import Conflict, NotAllowed
from needlepoint.clinic.payments import cancellation, deposits, ledger
from needlepoint.clinic.payments.models import (
    DepositKind,
    DepositPolicy,
    DepositStatus,
    EntryKind,
    LedgerEntry,
    Processor,
    Tender,
    TenderStatus,
)
from needlepoint.clinic.payments.selectors import settings_for
from needlepoint.clinic.permissions import SystemActor
from tests.clinic.booking.conftest import NOW, BookingWorld, make_booking_world, spec
from tests.conftest import ClinicWorld

from .deposit_fake import FakeCards, installed
from .helpers import assert_ledger_consistent

pytestmark = pytest.mark.django_db


@pytest.fixture
def card(db: None) -> Iterator[FakeCards]:
    with installed() as fake:
        yield fake


@pytest.fixture
def bw(clinic_a: ClinicWorld) -> BookingWorld:
    return make_booking_world(clinic_a)


def policy(bw: BookingWorld, **kw: object) -> DepositPolicy:
    fields: dict[str, object] = {"kind": DepositKind.FIXED, "amount_minor": 5000, **kw}
    return DepositPolicy.objects.create(clinic=bw.world.clinic, appointment_type=bw.kind, **fields)


def visit(bw: BookingWorld) -> Appointment:
    s = spec(bw, sessions=1)
    result, _ = services.search_series(bw.world.clinic, s, now=NOW)
    series = services.book_series(
        bw.world.clinic, s, list(result.options[0].sessions), actor=SystemActor(bw.world.clinic.pk, "test")
    )
    return series.appointments.get()


def desk(bw: BookingWorld) -> object:
    return bw.world.memberships["front_desk"]


def owner(bw: BookingWorld) -> object:
    return bw.world.memberships["owner"]


def stripe_on(bw: BookingWorld, fake: FakeCards) -> None:
    s = settings_for(bw.world.clinic)
    s.processor = Processor.STRIPE
    s.save()
    fake.cards.add(bw.world.client.pk)


def cancel(bw: BookingWorld, appt: Appointment, hours_before: float, **kw: object) -> services.Cancellation:
    by = kw.pop("actor", desk(bw))
    return services.cancel_appointment(
        appt, actor=by, reason="ill", now=appt.start - timedelta(hours=hours_before), **kw
    )


def kinds(bw: BookingWorld) -> list[tuple[str, str, int]]:
    return [(e.account, e.kind, e.amount_minor) for e in LedgerEntry.objects.filter(client=bw.world.client)]


def test_cancelled_with_notice_a_cash_deposit_is_owed_back(bw: BookingWorld) -> None:
    policy(bw)
    appt = visit(bw)
    deposits.record_deposit_paid(appt, "cash", actor=desk(bw), now=NOW)
    result = cancel(bw, appt, 72)
    assert not result.late and result.fee_due == 0
    assert deposits.deposit_state(appt) == DepositStatus.REFUNDED
    b = ledger.balances(bw.world.client)
    assert b.deposits_held == 0 and b.owed == -5000  # the clinic owes the client the cash
    assert ("deposit", "deposit_refunded", -5000) in kinds(bw)
    assert_ledger_consistent(bw.world.client)


def test_cancelled_with_notice_a_card_deposit_is_refunded_by_the_processor_after_commit(
    bw: BookingWorld, card: FakeCards, django_capture_on_commit_callbacks: object
) -> None:
    policy(bw)
    stripe_on(bw, card)
    appt = visit(bw)
    deposits.pay_deposit_with_card(appt, actor=desk(bw), now=NOW)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        cancel(bw, appt, 72)
        assert card.refunds == []  # nothing leaves before the cancellation commits
    tender = Tender.objects.get(purpose="deposit")
    assert card.refunds == [(tender.pk, 5000, f"refund:{tender.pk}:deposit")]
    assert deposits.deposit_state(appt) == DepositStatus.REFUNDED
    b = ledger.balances(bw.world.client)
    assert b.deposits_held == 0 and b.owed == 0
    assert_ledger_consistent(bw.world.client)


def test_a_refused_card_refund_leaves_the_deposit_held(
    bw: BookingWorld, card: FakeCards, django_capture_on_commit_callbacks: object
) -> None:
    policy(bw)
    stripe_on(bw, card)
    appt = visit(bw)
    deposits.pay_deposit_with_card(appt, actor=desk(bw), now=NOW)
    card.refund_ok = False
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        cancel(bw, appt, 72)
    assert deposits.deposit_state(appt) == DepositStatus.PAID
    assert ledger.balances(bw.world.client).deposits_held == 5000
    assert_ledger_consistent(bw.world.client)


def test_late_cancellation_forfeits_the_deposit_and_only_an_owner_waives_it(bw: BookingWorld) -> None:
    policy(bw)
    appt = visit(bw)
    deposits.record_deposit_paid(appt, "card_terminal", actor=desk(bw), now=NOW)
    result = cancel(bw, appt, 24)
    assert result.late and result.fee_due == 0  # the deposit pays for it: no fee on top
    appt.refresh_from_db()
    assert appt.late_cancellation and appt.fee_due == 0
    assert deposits.deposit_state(appt) == DepositStatus.FORFEITED
    assert ledger.balances(bw.world.client).deposits_held == 0
    assert not LedgerEntry.objects.filter(kind=EntryKind.FEE).exists()
    assert_ledger_consistent(bw.world.client)

    with pytest.raises(NotAllowed, match="owner"):
        cancellation.waive_forfeit(appt, actor=desk(bw), now=NOW, reason="flu")
    before = list(LedgerEntry.objects.values_list("pk", "amount_minor"))
    cancellation.waive_forfeit(appt, actor=owner(bw), now=NOW, reason="flu")
    # nothing edited: every old entry is as it was, the waiver is new entries
    assert set(before) <= set(LedgerEntry.objects.values_list("pk", "amount_minor"))
    assert deposits.deposit_state(appt) == DepositStatus.REFUNDED
    b = ledger.balances(bw.world.client)
    assert b.deposits_held == 0 and b.owed == -5000
    with pytest.raises(Conflict, match="not forfeited"):
        cancellation.waive_forfeit(appt, actor=owner(bw), now=NOW, reason="again")
    assert_ledger_consistent(bw.world.client)


def test_owner_waiving_at_cancellation_refunds_the_deposit(bw: BookingWorld) -> None:
    policy(bw)
    appt = visit(bw)
    deposits.record_deposit_paid(appt, "cash", actor=desk(bw), now=NOW)
    result = cancel(bw, appt, 2, actor=owner(bw), waive_fee=True)
    assert result.late and result.fee_due == 0
    assert deposits.deposit_state(appt) == DepositStatus.REFUNDED
    assert_ledger_consistent(bw.world.client)


def test_late_cancellation_without_a_deposit_posts_the_clinics_fee(bw: BookingWorld) -> None:
    appt = visit(bw)  # no deposit policy: the clinic's booking policy (48 h, £50) applies
    result = cancel(bw, appt, 47)
    assert result.late and result.fee_due == Decimal("50.00")
    assert ledger.balances(bw.world.client).owed == 5000
    assert Tender.objects.count() == 0  # paid elsewhere mode: nothing is charged
    assert_ledger_consistent(bw.world.client)

    with pytest.raises(NotAllowed):
        cancellation.waive_fee(appt, actor=desk(bw), now=NOW, reason="kind")
    cancellation.waive_fee(appt, actor=owner(bw), now=NOW, reason="first time")
    appt.refresh_from_db()
    assert appt.fee_due == 0 and ledger.balances(bw.world.client).owed == 0
    waiver = LedgerEntry.objects.get(kind=EntryKind.FEE, amount_minor=-5000)
    assert waiver.reverses is not None and waiver.created_by == owner(bw)
    with pytest.raises(Conflict, match="no fee"):
        cancellation.waive_fee(appt, actor=owner(bw), now=NOW, reason="again")
    assert_ledger_consistent(bw.world.client)


def test_type_policy_sets_its_own_notice_and_fee_and_the_booking_flag_agrees(bw: BookingWorld) -> None:
    policy(bw, kind=DepositKind.NONE, notice_hours=72, late_fee_minor=2500)
    appt = visit(bw)
    result = cancel(bw, appt, 60)  # on time for the clinic (48 h), late for this type (72 h)
    appt.refresh_from_db()
    assert result.late and appt.late_cancellation
    assert result.fee_due == appt.fee_due == Decimal("25.00")
    assert ledger.balances(bw.world.client).owed == 2500
    assert_ledger_consistent(bw.world.client)


@pytest.mark.parametrize(
    ("answer", "owed", "failed"),
    [("succeeded", 0, 0), ("failed", 5000, 1), ("requires_action", 5000, 1), ("unknown", 5000, 0)],
)
def test_late_fee_is_charged_off_session_to_the_card_on_file_after_commit(
    bw: BookingWorld,
    card: FakeCards,
    django_capture_on_commit_callbacks: object,
    answer: str,
    owed: int,
    failed: int,
) -> None:
    stripe_on(bw, card)
    appt = visit(bw)
    card.answer = answer
    with events.captured() as seen, django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        cancel(bw, appt, 10)
        assert card.charges == []
    tender = Tender.objects.get(purpose="fee")
    assert card.charges == [(tender.pk, 5000, True)]
    assert [e.purpose for e in seen if e.name == "PaymentFailed"] == ["fee"] * failed
    assert ledger.balances(bw.world.client).owed == owed
    expected = {"succeeded": TenderStatus.SUCCEEDED, "unknown": TenderStatus.PENDING}
    assert tender.status == expected.get(answer, TenderStatus.FAILED)
    if answer == "succeeded":
        with pytest.raises(Conflict, match="refund"):
            cancellation.waive_fee(appt, actor=owner(bw), now=NOW, reason="x")
    if answer == "failed":  # the fee stays owed, and an owner may still waive it
        cancellation.waive_fee(appt, actor=owner(bw), now=NOW, reason="declined, let it go")
        assert ledger.balances(bw.world.client).owed == 0
    assert_ledger_consistent(bw.world.client)


def test_no_show_forfeits_the_deposit_or_posts_the_no_show_fee(bw: BookingWorld) -> None:
    policy(bw, no_show_fee_minor=7500)
    appt = visit(bw)
    deposits.record_deposit_paid(appt, "cash", actor=desk(bw), now=NOW)
    services.set_status(appt, AppointmentStatus.NO_SHOW, actor=desk(bw), now=appt.start + timedelta(hours=1))
    assert deposits.deposit_state(appt) == DepositStatus.FORFEITED
    assert ledger.balances(bw.world.client).owed == 0
    assert_ledger_consistent(bw.world.client)

    DepositPolicy.objects.filter(appointment_type=bw.kind).update(kind=DepositKind.NONE)
    from needlepoint.clinic.clients.models import Client

    other = Client.objects.create(
        clinic=bw.world.clinic,
        first_name="No",
        last_name="Show",
        date_of_birth=NOW.date() - timedelta(days=9000),
    )
    s = spec(bw, other, sessions=1)
    result, _ = services.search_series(bw.world.clinic, s, now=NOW)
    second = services.book_series(
        bw.world.clinic, s, list(result.options[0].sessions), actor=SystemActor(bw.world.clinic.pk, "t")
    ).appointments.get()
    services.set_status(
        second, AppointmentStatus.NO_SHOW, actor=desk(bw), now=second.start + timedelta(hours=1)
    )
    second.refresh_from_db()
    assert second.fee_due == Decimal("75.00")
    assert ledger.balances(other).owed == 7500
    assert_ledger_consistent(other)


def _move_to(appt: Appointment, start: datetime) -> Appointment:
    """Put the visit at `start` (test set-up: every busy interval shifts with it)."""
    delta = start - appt.start
    names = ["start", "end", "arrival", "practitioner_start", "practitioner_end", "room_start", "room_end"]
    names += ["busy_start", "busy_end", "device_start", "device_end"]
    Appointment.objects.filter(pk=appt.pk).update(**{n: F(n) + delta for n in names})
    appt.refresh_from_db()
    return appt


@pytest.mark.parametrize(("cancelled_at", "late"), [((8, 30), True), ((7, 30), False)])
def test_notice_is_real_elapsed_time_across_the_clocks_going_forward(
    bw: BookingWorld, cancelled_at: tuple[int, int], late: bool
) -> None:
    """London springs forward on Sunday 28 March 2027. A visit at 09:00 on Monday (08:00 UTC):
    cancelled at 08:30 on Saturday, the wall clocks say 48½ hours, but only 47½ real hours are
    left, inside the 48-hour notice; at 07:30 it is 48½ real hours: on time."""
    policy(bw)
    appt = _move_to(visit(bw), datetime(2027, 3, 29, 8, 0, tzinfo=UTC))
    deposits.record_deposit_paid(appt, "cash", actor=desk(bw), now=NOW)
    at = datetime(2027, 3, 27, *cancelled_at, tzinfo=UTC)  # Saturday, GMT = UTC
    result = services.cancel_appointment(appt, actor=desk(bw), reason="ill", now=at)
    assert result.late is late
    expected = DepositStatus.FORFEITED if late else DepositStatus.REFUNDED
    assert deposits.deposit_state(appt) == expected
    assert_ledger_consistent(bw.world.client)
