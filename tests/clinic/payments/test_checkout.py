"""Checkout: lines, tax, products, package credit, deposit, tenders; refusals change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from needlepoint.clinic import events
from needlepoint.clinic.errors import Conflict, InvalidInput, NotAllowed, NotFound
from needlepoint.clinic.payments import ledger
from needlepoint.clinic.payments.checkout import CheckoutSpec, check_out
from needlepoint.clinic.payments.invoices import LineSpec
from needlepoint.clinic.payments.models import (
    ClientPackage,
    DepositRequest,
    DepositStatus,
    Invoice,
    LedgerEntry,
    PaymentSettings,
    ProductStock,
)
from needlepoint.clinic.payments.selectors import settings_for
from needlepoint.clinic.payments.tenders import TenderSpec, new_tender, record_payment, refund_paid_elsewhere

from .conftest import AFTER_VISIT, PayWorld
from .helpers import assert_ledger_consistent

pytestmark = pytest.mark.django_db


def treatment(price: int = 20000) -> LineSpec:
    return LineSpec(
        kind="treatment", description="Microneedling: full face", unit_price_minor=price, areas=("face",)
    )


def test_cash_checkout_issues_a_numbered_invoice_and_settles_the_visit(pw: PayWorld) -> None:
    serum = LineSpec(
        kind="product", description="Recovery serum", unit_price_minor=3500, quantity=2, product=pw.product
    )
    with events.captured() as seen:
        result = check_out(
            pw.visit,
            CheckoutSpec([treatment(), serum], [TenderSpec("cash", 27000)], tip_minor=0),
            actor=pw.desk,
            now=AFTER_VISIT,
        )
    inv = result.invoice
    assert inv.number == 1 and inv.number_text == "INV-000001"
    assert inv.total_minor == 27000 and result.owed == 0
    # product tax 20 % inclusive: 7000 gross = 5833 net + 1167 tax; treatment untaxed by default
    assert inv.tax_minor == 1167 and inv.net_minor == 20000 + 5833
    assert ProductStock.objects.get(product=pw.product).quantity == 3
    assert {e.name for e in seen} >= {"InvoiceIssued", "PaymentRecorded"}
    assert_ledger_consistent(pw.client)


def test_numbers_are_gap_free_across_a_refused_checkout(pw: PayWorld) -> None:
    check_out(pw.visit, CheckoutSpec([treatment()]), actor=pw.desk, now=AFTER_VISIT)
    with pytest.raises(InvalidInput):  # more tendered than due: rolled back, number given back
        check_out(
            pw.later_visits[0],
            CheckoutSpec([treatment(100)], [TenderSpec("cash", 200)]),
            actor=pw.desk,
            now=AFTER_VISIT,
        )
    second = check_out(pw.later_visits[0], CheckoutSpec([treatment(100)]), actor=pw.desk, now=AFTER_VISIT)
    assert second.invoice.number == 2
    assert PaymentSettings.objects.get(clinic=pw.world.clinic).last_invoice_number == 2


def test_second_checkout_of_one_visit_is_refused(pw: PayWorld) -> None:
    check_out(
        pw.visit,
        CheckoutSpec([treatment()], [TenderSpec("card_terminal", 20000)]),
        actor=pw.desk,
        now=AFTER_VISIT,
    )
    with pytest.raises(Conflict, match="already checked out"):
        check_out(
            pw.visit,
            CheckoutSpec([treatment()], [TenderSpec("cash", 20000)]),
            actor=pw.owner,
            now=AFTER_VISIT,
        )
    assert Invoice.objects.count() == 1
    assert_ledger_consistent(pw.client)


def test_idempotency_key_replays_the_same_checkout(pw: PayWorld) -> None:
    s = CheckoutSpec([treatment()], [TenderSpec("cash", 20000)], idempotency_key="till-1")
    a = check_out(pw.visit, s, actor=pw.desk, now=AFTER_VISIT)
    b = check_out(pw.visit, s, actor=pw.desk, now=AFTER_VISIT)
    assert a.invoice.pk == b.invoice.pk and LedgerEntry.objects.filter(kind="payment").count() == 1


@pytest.mark.parametrize(
    ("lines", "tenders", "message"),
    [
        ([treatment(-1)], [], "negative"),
        ([LineSpec("treatment", "x", 1000, discount_minor=100)], [], "why"),
        ([LineSpec("treatment", "x", 1000, discount_minor=2000, discount_reason="r")], [], "more than"),
        ([treatment()], [TenderSpec("cheque", 100)], "not a way to pay"),
        ([treatment()], [TenderSpec("cash", 0)], "more than zero"),
        ([treatment()], [TenderSpec("cash", 20001)], "more than is due"),
        ([], [], "at least one line"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(pw: PayWorld, lines, tenders, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match=message):
        check_out(pw.visit, CheckoutSpec(lines, tenders), actor=pw.desk, now=AFTER_VISIT)
    assert not Invoice.objects.exists() and not LedgerEntry.objects.exists()


def test_currency_mismatch_is_refused(pw: PayWorld) -> None:
    with pytest.raises(InvalidInput, match="takes GBP"):
        check_out(pw.visit, CheckoutSpec([treatment()], currency="usd"), actor=pw.desk, now=AFTER_VISIT)


def test_out_of_stock_is_refused(pw: PayWorld) -> None:
    line = LineSpec(
        kind="product", description="Serum", unit_price_minor=3500, quantity=6, product=pw.product
    )
    with pytest.raises(Conflict, match="only 5 in stock"):
        check_out(pw.visit, CheckoutSpec([line]), actor=pw.desk, now=AFTER_VISIT)
    assert ProductStock.objects.get(product=pw.product).quantity == 5


def test_roles_and_clinics(pw: PayWorld, clinic_b) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotAllowed):
        check_out(pw.visit, CheckoutSpec([treatment()]), actor=pw.practitioner, now=AFTER_VISIT)
    with pytest.raises(NotFound):
        check_out(pw.visit, CheckoutSpec([treatment()]), actor=clinic_b.memberships["owner"], now=AFTER_VISIT)


def test_package_credit_then_deposit_then_money(pw: PayWorld) -> None:
    client = pw.client
    package = ClientPackage.objects.create(
        clinic=pw.world.clinic,
        client=client,
        name="3 sessions",
        sessions_total=3,
        price_minor=50000,
        currency="GBP",
        sold_at=AFTER_VISIT - timedelta(days=30),
        expires_at=AFTER_VISIT + timedelta(days=300),
    )
    deposit = DepositRequest.objects.create(
        clinic=pw.world.clinic,
        appointment=pw.visit,
        client=client,
        amount_minor=2000,
        currency="GBP",
        due_by=AFTER_VISIT,
        created_at=AFTER_VISIT - timedelta(days=40),
    )
    t = new_tender(
        client,
        TenderSpec("card_terminal", 2000),
        at=AFTER_VISIT - timedelta(days=40),
        by=pw.desk,
        purpose="deposit",
        appointment=pw.visit,
    )
    DepositRequest.objects.filter(pk=deposit.pk).update(status=DepositStatus.PAID, tender=t)
    assert ledger.balances(client).deposits_held == 2000
    serum = LineSpec(kind="product", description="Serum", unit_price_minor=3500, product=pw.product)
    result = check_out(
        pw.visit,
        CheckoutSpec([treatment(), serum], [TenderSpec("cash", 1500)], client_package_id=package.pk),
        actor=pw.desk,
        now=AFTER_VISIT,
    )
    assert result.credit_applied == 16666 and result.deposit_applied == 2000
    assert result.invoice.credit_minor == 20000 and result.owed == 0
    b = ledger.balances(client)
    assert b.deposits_held == 0 and b.owed == 0
    assert DepositRequest.objects.get(pk=deposit.pk).status == DepositStatus.APPLIED
    assert_ledger_consistent(client)


def test_a_deposit_larger_than_the_visit_pays_it_and_leaves_the_rest_as_credit(pw: PayWorld) -> None:
    deposit = DepositRequest.objects.create(
        clinic=pw.world.clinic,
        appointment=pw.visit,
        client=pw.client,
        amount_minor=5000,
        currency="GBP",
        due_by=AFTER_VISIT,
        created_at=AFTER_VISIT - timedelta(days=40),
    )
    t = new_tender(
        pw.client,
        TenderSpec("card_terminal", 5000),
        at=AFTER_VISIT - timedelta(days=40),
        by=pw.desk,
        purpose="deposit",
        appointment=pw.visit,
    )
    DepositRequest.objects.filter(pk=deposit.pk).update(status=DepositStatus.PAID, tender=t)
    result = check_out(pw.visit, CheckoutSpec([treatment(3000)]), actor=pw.desk, now=AFTER_VISIT)
    assert result.deposit_applied == 5000 and result.owed == 0
    assert ledger.invoice_balance(result.invoice.pk) == 0  # never overpaid
    b = ledger.balances(pw.client)
    assert b.deposits_held == 0 and b.owed == -2000  # 20.00 in the client's favour
    assert_ledger_consistent(pw.client)


def test_payment_on_account_and_refunds(pw: PayWorld) -> None:
    check_out(
        pw.visit, CheckoutSpec([treatment()], [TenderSpec("cash", 5000)]), actor=pw.desk, now=AFTER_VISIT
    )
    assert ledger.balance(pw.client) == 15000
    with pytest.raises(InvalidInput, match="more than is owed"):
        record_payment(pw.client, TenderSpec("bank_transfer", 15001), actor=pw.desk, now=AFTER_VISIT)
    t = record_payment(
        pw.client, TenderSpec("bank_transfer", 15000, "BACS 991"), actor=pw.desk, now=AFTER_VISIT
    )
    assert ledger.balance(pw.client) == 0
    with pytest.raises(NotAllowed, match="owner"):
        refund_paid_elsewhere(t, 100, reason="goodwill", actor=pw.desk, now=AFTER_VISIT)
    with pytest.raises(InvalidInput, match="more than can be refunded"):
        refund_paid_elsewhere(t, 15001, reason="x", actor=pw.owner, now=AFTER_VISIT)
    refund_paid_elsewhere(t, 5000, reason="goodwill", actor=pw.owner, now=AFTER_VISIT)
    refund_paid_elsewhere(t, 10000, reason="goodwill", actor=pw.owner, now=AFTER_VISIT)
    with pytest.raises(InvalidInput, match="Nothing is left"):
        refund_paid_elsewhere(t, 1, reason="x", actor=pw.owner, now=AFTER_VISIT)
    assert ledger.balance(pw.client) == 0
    assert_ledger_consistent(pw.client)


def test_settings_created_on_first_use(pw: PayWorld) -> None:
    assert settings_for(pw.world.clinic).invoice_prefix == "INV-"
