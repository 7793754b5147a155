"""Owner money reports: takings by local day (a DST day too), balances, deferred revenue, revenue
per practitioner and treatment, Stripe reconciliation and the accountant's CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from needlepoint.clinic.errors import InvalidInput, NotAllowed, NotFound
from needlepoint.clinic.payments import ledger, reports
from needlepoint.clinic.payments.checkout import CheckoutSpec, check_out
from needlepoint.clinic.payments.invoices import LineSpec
from needlepoint.clinic.payments.models import Account, ClientPackage, EntryKind, Tender
from needlepoint.clinic.payments.reports import Match, Period, parse_stripe_csv
from needlepoint.clinic.payments.tenders import TenderSpec, record_refund, refund_paid_elsewhere, settle

from .conftest import AFTER_VISIT, PayWorld
from .helpers import assert_ledger_consistent

pytestmark = pytest.mark.django_db

JAN5 = Period(date(2027, 1, 5), date(2027, 1, 5))


def treatment(price: int = 20000) -> LineSpec:
    return LineSpec(
        kind="treatment", description="Microneedling: full face", unit_price_minor=price, areas=("face",)
    )


def pay(
    pw: PayWorld,
    visit: object,
    at: datetime,
    *tenders: TenderSpec,
    lines: list[LineSpec] | None = None,
    **kw: object,
):  # type: ignore[no-untyped-def]
    return check_out(visit, CheckoutSpec(lines or [treatment()], list(tenders), **kw), actor=pw.desk, now=at)  # type: ignore[arg-type]


def test_takings_per_local_day_location_and_method_with_refunds_negative(pw: PayWorld) -> None:
    first = pay(pw, pw.visit, AFTER_VISIT, TenderSpec("cash", 15000), TenderSpec("card_terminal", 5000))
    pay(pw, pw.later_visits[0], AFTER_VISIT + timedelta(hours=1), TenderSpec("cash", 20000))
    cash = first.tenders[0]
    refund_paid_elsewhere(cash, 3000, reason="Goodwill", actor=pw.owner, now=AFTER_VISIT + timedelta(hours=2))
    pay(pw, pw.later_visits[1], AFTER_VISIT + timedelta(days=1), TenderSpec("cash", 20000))  # next day

    rows = reports.takings(pw.world.clinic, JAN5, actor=pw.owner)  # type: ignore[arg-type]
    got = {(r.day, r.location, r.method): (r.amount_minor, r.payments) for r in rows}
    loc = pw.world.location.name  # type: ignore[attr-defined]
    assert got == {
        (date(2027, 1, 5), loc, "Cash"): (15000 + 20000 - 3000, 3),
        (date(2027, 1, 5), loc, "Card terminal"): (5000, 1),
    }
    assert reports.takings_totals(rows) == {"Card terminal": 5000, "Cash": 32000}
    two_days = reports.takings(pw.world.clinic, Period(date(2027, 1, 5), date(2027, 1, 6)), actor=pw.owner)  # type: ignore[arg-type]
    assert sum(r.amount_minor for r in two_days) == 32000 + 5000 + 20000
    assert_ledger_consistent(pw.client)


def test_a_dst_day_has_23_hours_and_late_payments_fall_on_the_local_day(pw: PayWorld) -> None:
    # London springs forward on Sunday 28 March 2027 at 01:00 GMT: the local day is 23 hours.
    day = Period(date(2027, 3, 28), date(2027, 3, 28))
    start, end = day.bounds("Europe/London")
    assert start == datetime(2027, 3, 28, 0, 0, tzinfo=UTC) and end - start == timedelta(hours=23)
    fall = Period(date(2027, 10, 31), date(2027, 10, 31)).bounds("Europe/London")
    assert fall[1] - fall[0] == timedelta(hours=25)
    # 00:30 UTC is 00:30 GMT on the 28th; 23:30 UTC that evening is 00:30 BST on the 29th.
    pay(pw, pw.visit, datetime(2027, 3, 28, 0, 30, tzinfo=UTC), TenderSpec("cash", 20000))
    pay(pw, pw.later_visits[0], datetime(2027, 3, 28, 23, 30, tzinfo=UTC), TenderSpec("cash", 20000))
    # 23:30 UTC on the 27th is still the 27th in London (GMT).
    pay(pw, pw.later_visits[1], datetime(2027, 3, 27, 23, 30, tzinfo=UTC), TenderSpec("card_terminal", 20000))
    rows = reports.takings(pw.world.clinic, Period(date(2027, 3, 27), date(2027, 3, 29)), actor=pw.owner)  # type: ignore[arg-type]
    assert [(r.day, r.method, r.amount_minor) for r in rows] == [
        (date(2027, 3, 27), "Card terminal", 20000),
        (date(2027, 3, 28), "Cash", 20000),
        (date(2027, 3, 29), "Cash", 20000),
    ]
    only_28 = reports.takings(pw.world.clinic, day, actor=pw.owner)  # type: ignore[arg-type]
    assert [(r.day, r.amount_minor) for r in only_28] == [(date(2027, 3, 28), 20000)]
    assert_ledger_consistent(pw.client)


def test_outstanding_balances_at_the_end_of_the_period(pw: PayWorld) -> None:
    pay(pw, pw.visit, AFTER_VISIT, TenderSpec("cash", 5000))
    pay(pw, pw.later_visits[0], AFTER_VISIT + timedelta(days=3), TenderSpec("cash", 1000))
    rows = reports.outstanding_balances(pw.world.clinic, JAN5, actor=pw.owner)  # type: ignore[arg-type]
    assert [(r.client_id, r.amount_minor) for r in rows] == [(pw.client.pk, 15000)]  # type: ignore[attr-defined]
    later = reports.outstanding_balances(
        pw.world.clinic, Period(date(2027, 1, 5), date(2027, 1, 31)), actor=pw.owner
    )  # type: ignore[arg-type]
    assert later[0].amount_minor == 15000 + 19000 == ledger.balance(pw.client)  # type: ignore[arg-type]
    assert_ledger_consistent(pw.client)


def _sold_package(pw: PayWorld, *, price: int = 60000, sessions: int = 3) -> ClientPackage:
    """A package sold a month before (as the package sale records it: credit issued)."""
    sold = AFTER_VISIT - timedelta(days=30)
    package = ClientPackage.objects.create(
        clinic=pw.world.clinic,
        client=pw.client,
        name="3 sessions, full face",
        sessions_total=sessions,
        price_minor=price,
        currency="GBP",
        sold_at=sold,
        expires_at=AFTER_VISIT + timedelta(days=300),
    )
    ledger.post(
        pw.client,  # type: ignore[arg-type]
        ledger.Posting(Account.CREDIT, EntryKind.CREDIT_ISSUED, price),
        at=sold,
        currency="GBP",
        by=pw.desk,  # type: ignore[arg-type]
    )
    return package


def test_deferred_revenue_is_unused_package_credit(pw: PayWorld) -> None:
    package = _sold_package(pw)
    pay(pw, pw.visit, AFTER_VISIT, client_package_id=package.pk)
    d = reports.deferred_revenue(pw.world.clinic, JAN5, actor=pw.owner)  # type: ignore[arg-type]
    assert d.total_minor == 40000 and [r.amount_minor for r in d.per_client] == [40000]
    assert [(p.client_package_id, p.sessions_left, p.value_left_minor) for p in d.packages] == [
        (package.pk, 2, 40000)
    ]
    before = reports.deferred_revenue(
        pw.world.clinic, Period(date(2027, 1, 1), date(2027, 1, 1)), actor=pw.owner
    )  # type: ignore[arg-type]
    assert before.total_minor == 60000  # at the end of 1 January nothing was redeemed yet
    assert_ledger_consistent(pw.client)


def test_revenue_per_practitioner_and_per_treatment(pw: PayWorld) -> None:
    serum = LineSpec(
        kind="product", description="Recovery serum", unit_price_minor=3500, quantity=2, product=pw.product
    )
    first = pay(
        pw, pw.visit, AFTER_VISIT, TenderSpec("cash", 27500), lines=[treatment(), serum], tip_minor=500
    )
    pay(pw, pw.later_visits[0], AFTER_VISIT + timedelta(hours=2), lines=[treatment(18000)])
    refund_paid_elsewhere(
        first.tenders[0], 2000, reason="Serum returned", actor=pw.owner, now=AFTER_VISIT + timedelta(hours=3)
    )
    rev = reports.revenue(pw.world.clinic, JAN5, actor=pw.owner)  # type: ignore[arg-type]
    (who,) = rev.per_practitioner
    assert who.key == pw.visit.practitioner.name  # type: ignore[attr-defined]
    assert (who.invoices, who.gross_minor, who.tip_minor, who.refunded_minor) == (
        2,
        20000 + 7000 + 18000,
        500,
        2000,
    )
    assert who.tax_minor == 1167 and who.net_minor == 20000 + 5833 + 18000
    items = {r.key: (r.quantity, r.gross_minor, r.invoices) for r in rev.per_treatment}
    assert items == {
        "Treatment: Microneedling: full face": (2, 38000, 2),
        "Product: Recovery serum": (2, 7000, 1),
    }
    assert (
        reports.revenue(
            pw.world.clinic, Period(date(2027, 1, 6), date(2027, 1, 6)), actor=pw.owner
        ).per_practitioner
        == []
    )  # type: ignore[arg-type]
    assert_ledger_consistent(pw.client)


def _card(pw: PayWorld, visit: object, amount: int, pi: str, at: datetime = AFTER_VISIT) -> Tender:
    """A card checkout the processor confirmed (what processor.collect records)."""
    result = pay(pw, visit, at, TenderSpec("stripe", amount))
    (tender,) = result.pending
    Tender.objects.filter(pk=tender.pk).update(processor_id=pi)
    tender.processor_id = pi
    settle(tender, at=at)
    return tender


STRIPE_HEAD = (
    "balance_transaction_id,created_utc,currency,gross,fee,net,reporting_category,source_id,"
    "description,payment_intent_id\n"
)


def test_reconciliation_matched_missing_both_ways_and_amount_differs(pw: PayWorld) -> None:
    refunded = _card(pw, pw.visit, 20000, "pi_refunded")
    _card(pw, pw.later_visits[0], 20000, "pi_differs")
    _card(pw, pw.later_visits[1], 20000, "pi_not_in_stripe")
    record_refund(refunded, 5000, reason="Partial", by=pw.owner, at=AFTER_VISIT + timedelta(hours=1))  # type: ignore[arg-type]
    text = STRIPE_HEAD + (
        "txn_1,2027-01-05 17:00:01,gbp,200.00,3.20,196.80,charge,ch_1,,pi_refunded\n"
        "txn_2,2027-01-05 18:00:00,gbp,-50.00,0.00,-50.00,refund,re_1,,pi_refunded\n"
        "txn_3,2027-01-05 17:00:02,gbp,199.00,3.20,195.80,charge,ch_2,,pi_differs\n"
        "txn_4,2027-01-05 17:00:03,gbp,80.00,1.20,78.80,charge,ch_9,,pi_unknown\n"
        "txn_5,2027-01-06 02:00:00,gbp,-392.60,0.00,-392.60,payout,po_1,,\n"
        "\n"
    )
    rows = parse_stripe_csv(text, currency="GBP")
    assert [(r.charge_id, r.kind, r.amount_minor) for r in rows] == [
        ("pi_refunded", "charge", 20000),
        ("pi_refunded", "refund", -5000),
        ("pi_differs", "charge", 19900),
        ("pi_unknown", "charge", 8000),
    ]
    rec = reports.reconcile(pw.world.clinic, JAN5, rows, actor=pw.owner)  # type: ignore[arg-type]
    got = {r.charge_id: (r.status, r.stripe_minor, r.ours_minor) for r in rec.rows}
    assert got == {
        "pi_refunded": (Match.MATCHED, 15000, 15000),
        "pi_differs": (Match.AMOUNT_DIFFERS, 19900, 20000),
        "pi_not_in_stripe": (Match.MISSING_IN_STRIPE, None, 20000),
        "pi_unknown": (Match.MISSING_HERE, 8000, None),
    }
    assert rec.count(Match.MATCHED) == 1 and len(rec.problems) == 3
    out = list(csv.reader(io.StringIO(reports.to_csv(reports.reconciliation_csv_rows(rec, "GBP")))))
    assert out[0][:4] == ["charge_id", "status", "stripe", "ours"] and len(out) == 5
    assert_ledger_consistent(pw.client)


def test_legacy_export_matches_by_charge_id_and_a_charge_outside_the_period_still_matches(
    pw: PayWorld,
) -> None:
    # The older "Balance history" export: Type, Source (ch_…), Amount; no payment intent column.
    _card(pw, pw.visit, 20000, "ch_old", at=AFTER_VISIT - timedelta(days=2))
    text = (
        "id,Type,Source,Amount,Fee,Net,Currency,Created (UTC)\n"
        "txn_1,charge,ch_old,200.00,3.20,196.80,gbp,2027-01-03 17:00\n"
    )
    rec = reports.reconcile(pw.world.clinic, JAN5, parse_stripe_csv(text, currency="GBP"), actor=pw.owner)  # type: ignore[arg-type]
    assert [(r.charge_id, r.status) for r in rec.rows] == [("ch_old", Match.MATCHED)]
    usd = text.replace(",gbp,", ",usd,")
    rec = reports.reconcile(pw.world.clinic, JAN5, parse_stripe_csv(usd, currency="GBP"), actor=pw.owner)  # type: ignore[arg-type]
    assert rec.rows[0].status == Match.AMOUNT_DIFFERS and "USD" in rec.rows[0].note
    assert_ledger_consistent(pw.client)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("name,email\nA,a@example.com\n", "not a Stripe"),
        (STRIPE_HEAD + "txn_1,x,gbp,12.345,0,0,charge,ch_1,,pi_1\n", "Line 2: GBP amounts have at most 2"),
        (STRIPE_HEAD + "txn_1,x,gbp,abc,0,0,charge,ch_1,,pi_1\n", "Line 2: 'abc' is not an amount"),
        (STRIPE_HEAD + "txn_1,x,gbp,1.00,0,0,charge,,,\n", "Line 2: no payment or charge id"),
    ],
)
def test_a_bad_stripe_file_is_refused_with_the_line(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_stripe_csv(text, currency="GBP")


def test_owners_only_and_own_clinic_only(pw: PayWorld, clinic_b) -> None:  # type: ignore[no-untyped-def]
    for who in (pw.desk, pw.practitioner):
        with pytest.raises(NotAllowed):
            reports.money_report(pw.world.clinic, JAN5, actor=who)  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        reports.money_report(pw.world.clinic, JAN5, actor=clinic_b.memberships["owner"])  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        reports.reconcile(pw.world.clinic, JAN5, [], actor=clinic_b.memberships["owner"])  # type: ignore[arg-type]


def test_periods_are_checked() -> None:
    with pytest.raises(InvalidInput, match="ends before"):
        Period(date(2027, 1, 5), date(2027, 1, 4))
    with pytest.raises(InvalidInput, match="at most 366"):
        Period(date(2027, 1, 1), date(2028, 1, 2))
    assert Period.month(2027, 12) == Period(date(2027, 12, 1), date(2027, 12, 31))
    assert Period.month(2028, 2).last == date(2028, 2, 29)


def test_the_accountants_csv_neutralises_formulas(pw: PayWorld) -> None:
    pw.client.first_name = "=HYPERLINK(1)"  # type: ignore[attr-defined]
    pw.client.save()  # type: ignore[attr-defined]
    pay(pw, pw.visit, AFTER_VISIT, TenderSpec("cash", 5000))
    report = reports.money_report(pw.world.clinic, JAN5, actor=pw.owner)  # type: ignore[arg-type]
    balances = list(csv.reader(io.StringIO(reports.to_csv(reports.csv_rows(report, "balances")))))
    assert balances[0] == ["client_id", "client", "owed", "currency"]
    assert balances[1][1].startswith("'=HYPERLINK") and balances[1][2] == "150.00"
    takings = list(csv.reader(io.StringIO(reports.to_csv(reports.csv_rows(report, "takings")))))
    assert takings[1] == ["2027-01-05", pw.world.location.name, "Cash", "50.00", "GBP", "1"]  # type: ignore[attr-defined]
    for table in reports.TABLES:
        assert reports.csv_rows(report, table)[0]
    with pytest.raises(InvalidInput):
        reports.csv_rows(report, "salaries")
    assert_ledger_consistent(pw.client)
