"""Packages: sold up front or in instalments, redeemed at checkout, refunded pro rata (owner),
expired by the worker. Every money test ends with the ledger checks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from needlepoint.clinic import events
from needlepoint.clinic.errors import Conflict, InvalidInput, NotAllowed, NotFound
from needlepoint.clinic.payments import ledger, packages
from needlepoint.clinic.payments.checkout import CheckoutSpec, check_out
from needlepoint.clinic.payments.collect import process_batch
from needlepoint.clinic.payments.invoices import LineSpec
from needlepoint.clinic.payments.models import (
    ClientPackage,
    ClientPackageStatus,
    EntryKind,
    Invoice,
    LedgerEntry,
    PaymentSettings,
)
from needlepoint.clinic.payments.models_recurring import Instalment, InstalmentStatus
from needlepoint.clinic.payments.recurring import add_months
from needlepoint.clinic.payments.tenders import TenderSpec

from .conftest import AFTER_VISIT, PayWorld
from .helpers import assert_ledger_consistent
from .package_fake import FakeCards, cards_fixture, price_list, use_cards  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db
NOW = AFTER_VISIT - timedelta(days=20)
PRICE = 54000  # face £200 × 3 sessions, 10 % off


def sell(pw: PayWorld, **kw: Any) -> packages.Sale:
    package = price_list(pw.world.clinic)
    kw.setdefault("tenders", [TenderSpec("card_terminal", PRICE)])
    return packages.sell_package(pw.client, package, areas=("face",), actor=pw.desk, now=NOW, **kw)  # type: ignore[arg-type]


def visit_checkout(pw: PayWorld, visit: Any, cp: ClientPackage, at: Any = AFTER_VISIT) -> None:
    line = LineSpec(kind="treatment", description="Face", unit_price_minor=20000, areas=("face",))
    check_out(visit, CheckoutSpec([line], client_package_id=cp.pk), actor=pw.desk, now=at)


def test_sold_up_front_issues_a_package_invoice_and_holds_the_credit(pw: PayWorld) -> None:
    PaymentSettings.objects.update_or_create(clinic=pw.world.clinic, defaults={"package_expiry_months": 6})
    sale = sell(pw)
    inv = sale.invoice
    assert [(line.kind, line.gross_minor) for line in inv.lines.all()] == [("package", PRICE)]
    cp = sale.client_package
    assert (cp.price_minor, cp.sessions_total, cp.areas, cp.sold_by) == (PRICE, 3, "face", pw.desk)
    assert cp.expires_at == add_months(NOW, 6)
    b = ledger.balances(pw.client)  # type: ignore[arg-type]
    assert (b.owed, b.package_credit) == (0, PRICE)
    assert_ledger_consistent(pw.client)


@pytest.mark.parametrize(
    ("kw", "error", "message"),
    [
        ({"tenders": [TenderSpec("cash", PRICE - 1)]}, InvalidInput, "must add up"),
        ({"tenders": [TenderSpec("cheque", PRICE)]}, InvalidInput, "not a way to pay"),
        ({"instalments": 1}, InvalidInput, "between 2 and 12"),
        ({"instalments": 13, "tenders": []}, InvalidInput, "between 2 and 12"),
        ({"areas": ("chin",)}, InvalidInput, "no price for chin"),
        ({"areas": ()}, InvalidInput, "Choose the areas"),
    ],
)
def test_bad_sales_are_refused_and_change_nothing(pw: PayWorld, kw: dict, error: type, message: str) -> None:
    package = price_list(pw.world.clinic)
    kw.setdefault("tenders", [TenderSpec("cash", PRICE)])
    areas = kw.pop("areas", ("face",))
    with pytest.raises(error, match=message):
        packages.sell_package(pw.client, package, areas=areas, actor=pw.desk, now=NOW, **kw)  # type: ignore[arg-type]
    assert not Invoice.objects.exists() and not LedgerEntry.objects.exists()
    assert not ClientPackage.objects.exists()


def test_roles_and_clinics(pw: PayWorld, clinic_b: Any) -> None:
    package = price_list(pw.world.clinic)
    with pytest.raises(NotAllowed):
        packages.sell_package(pw.client, package, areas=("face",), actor=pw.practitioner, now=NOW)  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        packages.sell_package(
            pw.client, package, areas=("face",), actor=clinic_b.memberships["owner"], now=NOW
        )  # type: ignore[arg-type]
    other = price_list(clinic_b.clinic)
    with pytest.raises(NotFound):  # another clinic's package for this client
        packages.sell_package(pw.client, other, areas=("face",), actor=pw.desk, now=NOW)  # type: ignore[arg-type]


def test_instalments_without_a_card_are_shown_as_due_and_paid_at_the_desk(pw: PayWorld) -> None:
    sale = sell(pw, tenders=[], instalments=3)
    assert [(i.amount_minor, i.due_at) for i in sale.instalments] == [
        (18000, NOW),
        (18000, add_months(NOW, 1)),
        (18000, add_months(NOW, 2)),
    ]
    assert ledger.balances(pw.client).owed == PRICE  # type: ignore[arg-type]
    assert process_batch(now=NOW + timedelta(days=1)) == 0  # no processor: nothing charged
    state = packages.state(sale.client_package)
    assert [i.index for i in state.instalments_due] == [0, 1, 2]
    first = sale.instalments[0]
    with pytest.raises(InvalidInput, match="whole amount"):
        packages.pay_instalment(first, TenderSpec("cash", 100), actor=pw.desk, now=NOW)
    packages.pay_instalment(first, TenderSpec("cash", 18000), actor=pw.desk, now=NOW)
    with pytest.raises(Conflict, match="not due"):
        packages.pay_instalment(first, TenderSpec("cash", 18000), actor=pw.desk, now=NOW)
    assert ledger.balances(pw.client).owed == PRICE - 18000  # type: ignore[arg-type]
    assert packages.state(sale.client_package).paid_minor == 18000
    assert_ledger_consistent(pw.client)


def test_instalments_on_a_saved_card_are_collected_once_each(pw: PayWorld, cards: FakeCards) -> None:
    use_cards(pw.world.clinic)
    cards.cards.add(pw.client.pk)  # type: ignore[attr-defined]
    sale = sell(pw, tenders=[], instalments=3)
    assert process_batch(now=NOW) == 1
    assert process_batch(now=NOW + timedelta(hours=2)) == 0  # the second run charges nothing
    assert process_batch(now=add_months(NOW, 1)) == 1
    statuses = list(Instalment.objects.order_by("index").values_list("status", flat=True))
    assert statuses == ["paid", "paid", "due"]
    assert cards.money_taken == 36000 and ledger.balances(pw.client).owed == 18000  # type: ignore[arg-type]
    assert sale.invoice.tenders.filter(purpose="instalment").count() == 2
    assert_ledger_consistent(pw.client)


def test_declined_instalment_is_retried_on_days_1_3_7_then_overdue(pw: PayWorld, cards: FakeCards) -> None:
    use_cards(pw.world.clinic)
    cards.cards.add(pw.client.pk)  # type: ignore[attr-defined]
    sell(pw, tenders=[], instalments=2)
    cards.script = ["failed"] * 4
    tries = []
    with events.captured() as seen:
        for day in range(0, 10):
            tries.append(process_batch(now=NOW + timedelta(days=day, hours=1)))
    assert tries == [1, 1, 0, 1, 0, 0, 0, 1, 0, 0]
    first = Instalment.objects.get(index=0)
    assert (first.status, first.attempts) == (InstalmentStatus.FAILED, 4)
    failed = [e for e in seen if e.name == "PaymentFailed"]
    assert len(failed) == 4 and {e.purpose for e in failed} == {"instalment"}  # type: ignore[attr-defined]
    assert ledger.balances(pw.client).owed == PRICE  # type: ignore[arg-type]
    packages.pay_instalment(
        first, TenderSpec("card_terminal", 27000), actor=pw.desk, now=NOW + timedelta(days=10)
    )
    assert ledger.balances(pw.client).owed == 27000  # type: ignore[arg-type]
    assert_ledger_consistent(pw.client)


def test_a_charge_whose_answer_was_lost_is_collected_once_on_the_next_round(
    pw: PayWorld, cards: FakeCards
) -> None:
    """The worker dies after 'charge sent': the pending tender is asked about again and the
    processor's key answers the first charge; money is taken and recorded once."""
    use_cards(pw.world.clinic)
    cards.cards.add(pw.client.pk)  # type: ignore[attr-defined]
    sell(pw, tenders=[], instalments=2)
    cards.script = ["unknown"]
    assert process_batch(now=NOW) == 1
    assert Instalment.objects.get(index=0).status == "due"
    assert process_batch(now=NOW + timedelta(minutes=30)) == 0  # rechecked later, not hammered
    assert process_batch(now=NOW + timedelta(hours=2)) == 1
    first = Instalment.objects.get(index=0)
    assert (first.status, first.attempts) == ("paid", 1)  # one tender, one key
    assert cards.money_taken == 27000 and LedgerEntry.objects.filter(kind="payment").count() == 1
    assert_ledger_consistent(pw.client)


def test_refund_of_unused_sessions_is_pro_rata_and_owner_only(pw: PayWorld) -> None:
    cp = sell(pw).client_package
    visit_checkout(pw, pw.visit, cp)
    with pytest.raises(NotAllowed, match="owner"):
        packages.refund_unused(cp, actor=pw.desk, now=AFTER_VISIT)
    refund = packages.refund_unused(cp, actor=pw.owner, now=AFTER_VISIT)
    assert (refund.unused_minor, refund.refunded_minor) == (36000, 36000)
    b = ledger.balances(pw.client)  # type: ignore[arg-type]
    assert (b.owed, b.package_credit) == (0, 0)
    cp.refresh_from_db()
    assert cp.status == ClientPackageStatus.REFUNDED
    with pytest.raises(Conflict, match="refunded"):
        packages.refund_unused(cp, actor=pw.owner, now=AFTER_VISIT)
    with pytest.raises(Conflict, match="refunded"):  # no more sessions from it either
        visit_checkout(pw, pw.later_visits[0], cp)
    assert LedgerEntry.objects.filter(kind=EntryKind.CREDIT_REFUNDED).count() == 1
    assert_ledger_consistent(pw.client)


def test_refund_of_a_package_paid_in_part_gives_back_only_what_was_paid_beyond_use(pw: PayWorld) -> None:
    sale = sell(pw, tenders=[TenderSpec("cash", 18000)], instalments=3)
    cp = sale.client_package
    visit_checkout(pw, pw.visit, cp)  # one session used (18 000) = what was paid
    refund = packages.refund_unused(cp, actor=pw.owner, now=AFTER_VISIT)
    assert (refund.unused_minor, refund.refunded_minor) == (36000, 0)
    assert set(Instalment.objects.values_list("status", flat=True)) == {"paid", "cancelled"}
    b = ledger.balances(pw.client)  # type: ignore[arg-type]
    assert (b.owed, b.package_credit) == (0, 0)
    assert_ledger_consistent(pw.client)


def test_card_payments_are_refunded_through_the_processor(pw: PayWorld, cards: FakeCards) -> None:
    use_cards(pw.world.clinic)
    cards.cards.add(pw.client.pk)  # type: ignore[attr-defined]
    cp = sell(pw, tenders=[], instalments=2).client_package
    process_batch(now=NOW)
    refund = packages.refund_unused(cp, actor=pw.owner, now=NOW + timedelta(days=1))
    assert refund.refunded_minor == 27000 and list(cards.refunds.values()) == [27000]
    assert ledger.balances(pw.client).owed == 0  # type: ignore[arg-type]
    assert_ledger_consistent(pw.client)


def test_expiry_moves_unused_credit_out_of_deferred_revenue_once(pw: PayWorld) -> None:
    cp = sell(pw).client_package
    visit_checkout(pw, pw.visit, cp)
    assert process_batch(now=cp.expires_at - timedelta(seconds=1)) == 0
    assert process_batch(now=cp.expires_at) == 1
    assert process_batch(now=cp.expires_at + timedelta(days=1)) == 0
    expired = LedgerEntry.objects.get(kind=EntryKind.CREDIT_EXPIRED)
    assert expired.amount_minor == -36000
    b = ledger.balances(pw.client)  # type: ignore[arg-type]
    assert (b.owed, b.package_credit) == (0, 0)
    with pytest.raises(Conflict, match="expired"):
        packages.refund_unused(cp, actor=pw.owner, now=cp.expires_at)
    assert_ledger_consistent(pw.client)


@given(
    price=st.integers(min_value=1, max_value=10**7),
    sessions=st.integers(min_value=1, max_value=24),
    data=st.data(),
)
def test_refund_plus_redeemed_never_exceeds_paid(price: int, sessions: int, data: st.DataObject) -> None:
    cp = ClientPackage(price_minor=price, sessions_total=sessions)
    used = data.draw(st.integers(min_value=0, max_value=sessions - 1))
    redeemed = sum(cp.credit_value(i) for i in range(used))
    unused = price - redeemed
    paid = data.draw(st.integers(min_value=0, max_value=price))
    back = packages.refund_amounts(unused, redeemed, paid)
    assert 0 <= back <= unused
    assert back + redeemed <= max(paid, redeemed)  # money back never dips into used sessions
    if paid == price:  # paid in full: the refund is exactly the unused value
        assert back == unused
