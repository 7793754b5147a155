"""Memberships: join, monthly billing once per period (property), retries and the card-failed
workflow, paying at the desk, pause, cancel within the minimum term, benefits at checkout."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from needlepoint.clinic import events
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.errors import Conflict, InvalidInput, NotAllowed, NotFound
from needlepoint.clinic.payments import ledger, memberships
from needlepoint.clinic.payments.checkout import CheckoutSpec, check_out
from needlepoint.clinic.payments.collect import process_batch
from needlepoint.clinic.payments.invoices import LineSpec
from needlepoint.clinic.payments.models import ClientPackage
from needlepoint.clinic.payments.models_recurring import (
    ChargeStatus,
    ClientMembership,
    MembershipCharge,
    MembershipPlan,
    MembershipStatus,
)
from needlepoint.clinic.payments.recurring import add_months, months_between
from needlepoint.clinic.payments.tenders import TenderSpec

from .conftest import AFTER_VISIT, PayWorld
from .helpers import assert_ledger_consistent
from .package_fake import FakeCards, cards_fixture, use_cards  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db
NOW = AFTER_VISIT - timedelta(days=10)
FEE = 9900


def plan(pw: PayWorld, **kw: Any) -> MembershipPlan:
    fields = {"name": "Glow", "monthly_fee_minor": FEE, "included_credits": 1, "min_term_months": 3, **kw}
    return memberships.save_plan(MembershipPlan(clinic=pw.world.clinic, **fields), actor=pw.owner)  # type: ignore[arg-type]


def join(pw: PayWorld, client: Any = None, **kw: Any) -> ClientMembership:
    return memberships.join(client or pw.client, plan(pw, **kw), actor=pw.desk, now=NOW)  # type: ignore[arg-type]


def with_card(pw: PayWorld, cards: FakeCards) -> None:
    use_cards(pw.world.clinic)
    cards.cards.add(pw.client.pk)  # type: ignore[attr-defined]


def test_join_bills_the_first_month_and_the_worker_charges_the_card(pw: PayWorld, cards: FakeCards) -> None:
    with_card(pw, cards)
    m = join(pw)
    charge = MembershipCharge.objects.get(membership=m)
    assert (charge.period, charge.amount_minor, charge.status) == (0, FEE, ChargeStatus.DUE)
    assert charge.invoice is not None and charge.invoice.lines.get().kind == "membership"
    assert process_batch(now=NOW) == 1
    charge.refresh_from_db()
    assert charge.status == ChargeStatus.PAID and cards.money_taken == FEE
    assert ledger.balances(pw.client).owed == 0  # type: ignore[arg-type]
    assert process_batch(now=add_months(NOW, 1)) == 2  # the next month: billed and charged
    assert cards.money_taken == 2 * FEE
    assert_ledger_consistent(pw.client)


def test_one_live_membership_per_client(pw: PayWorld) -> None:
    m = join(pw)
    with pytest.raises(Conflict, match="already has a membership"):
        memberships.join(pw.client, m.plan, actor=pw.desk, now=NOW)  # type: ignore[arg-type]
    with pytest.raises(IntegrityError), transaction.atomic():  # the database says so too
        ClientMembership.objects.create(
            clinic=pw.world.clinic, client=pw.client, plan=m.plan, monthly_fee_minor=1,
            currency="GBP", started_at=NOW,
        )  # fmt: skip


def test_plan_rules_and_roles(pw: PayWorld, clinic_b: Any) -> None:
    with pytest.raises(InvalidInput, match="included sessions, a discount"):
        plan(pw, included_credits=0, discount_bp=0)
    with pytest.raises(NotAllowed):
        memberships.save_plan(
            MembershipPlan(clinic=pw.world.clinic, name="X", monthly_fee_minor=1, discount_bp=5),
            actor=pw.desk,
        )  # type: ignore[arg-type]
    p = plan(pw)
    with pytest.raises(Conflict, match="name exists"):
        plan(pw)
    with pytest.raises(NotAllowed):
        memberships.join(pw.client, p, actor=pw.practitioner, now=NOW)  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        memberships.join(pw.client, p, actor=clinic_b.memberships["owner"], now=NOW)  # type: ignore[arg-type]


def test_card_failed_after_the_last_retry_then_paid_at_the_desk(pw: PayWorld, cards: FakeCards) -> None:
    with_card(pw, cards)
    m = join(pw)
    cards.script = ["failed"] * 4
    with events.captured() as seen:
        tries = [process_batch(now=NOW + timedelta(days=d, hours=1)) for d in range(10)]
    assert tries == [1, 1, 0, 1, 0, 0, 0, 1, 0, 0]  # day 0, then retries on days 1, 3 and 7
    m.refresh_from_db()
    assert m.status == MembershipStatus.CARD_FAILED
    failed = [e for e in seen if e.name == "PaymentFailed"]
    assert [e.purpose for e in failed] == ["membership_charge"] * 4 + ["membership"]  # type: ignore[attr-defined]
    charge = MembershipCharge.objects.get(membership=m)
    assert charge.status == ChargeStatus.FAILED and "declined" in charge.failure_message
    assert ledger.balances(pw.client).owed == FEE  # type: ignore[arg-type]
    with pytest.raises(Conflict, match="card failed"):  # no benefits while the card has failed
        check_out(pw.visit, CheckoutSpec([face()], membership_id=m.pk), actor=pw.desk, now=AFTER_VISIT)
    memberships.pay_charge(charge, TenderSpec("cash", FEE), actor=pw.desk, now=NOW + timedelta(days=10))
    m.refresh_from_db()
    assert m.status == MembershipStatus.ACTIVE and ledger.balances(pw.client).owed == 0  # type: ignore[arg-type]
    with pytest.raises(Conflict, match="not due"):
        memberships.pay_charge(charge, TenderSpec("cash", FEE), actor=pw.desk, now=NOW + timedelta(days=10))
    assert_ledger_consistent(pw.client)


# Fresh client and plan per example: the shared fixtures only provide the clinic and the card.
@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(runs=st.lists(st.integers(min_value=0, max_value=24 * 95), min_size=1, max_size=12))
def test_billing_any_number_of_times_charges_each_month_once(
    pw: PayWorld, cards: FakeCards, runs: list[int]
) -> None:
    with_card(pw, cards)
    client = Client.objects.create(
        clinic=pw.world.clinic, first_name="P", last_name=f"Prop{len(runs)}", date_of_birth=NOW.date()
    )
    cards.cards.add(client.pk)
    name = f"Plan {MembershipPlan.objects.count()}"
    m = memberships.join(client, plan(pw, name=name), actor=pw.desk, now=NOW)  # type: ignore[arg-type]
    hours = sorted(runs) + sorted(runs)  # every instant twice
    for h in hours:
        process_batch(now=NOW + timedelta(hours=h))
    last = NOW + timedelta(hours=max(hours))
    periods = list(MembershipCharge.objects.filter(membership=m).values_list("period", flat=True))
    assert sorted(periods) == list(range(months_between(NOW, last) + 1))
    assert cards.money_taken_from(client.pk) == FEE * len(periods)  # the processor's view
    assert ledger.balances(client).owed == 0
    assert_ledger_consistent(client)


def face() -> LineSpec:
    return LineSpec(kind="treatment", description="Face", unit_price_minor=20000, areas=("face",))


def test_included_session_covers_the_treatment_once_a_month(pw: PayWorld) -> None:
    m = join(pw)
    memberships.pay_charge(MembershipCharge.objects.get(), TenderSpec("cash", FEE), actor=pw.desk, now=NOW)
    r = check_out(pw.visit, CheckoutSpec([face()], membership_id=m.pk), actor=pw.desk, now=AFTER_VISIT)
    assert r.invoice.credit_minor == 20000 and r.owed == 0
    assert memberships.state(m, AFTER_VISIT).credits_left == 0
    with pytest.raises(Conflict, match="No included sessions"):
        check_out(
            pw.later_visits[0], CheckoutSpec([face()], membership_id=m.pk), actor=pw.desk, now=AFTER_VISIT
        )
    assert_ledger_consistent(pw.client)


def test_discount_membership_takes_its_percent_off_treatments(pw: PayWorld) -> None:
    m = join(pw, included_credits=0, discount_bp=1500)
    serum = LineSpec(kind="product", description="Serum", unit_price_minor=3500, product=pw.product)
    r = check_out(pw.visit, CheckoutSpec([face(), serum], membership_id=m.pk), actor=pw.desk, now=AFTER_VISIT)
    lines = {line.kind: line for line in r.invoice.lines.all()}
    assert (
        lines["treatment"].discount_minor == 3000 and "Glow membership" in lines["treatment"].discount_reason
    )
    assert lines["product"].discount_minor == 0
    assert r.owed == 17000 + 3500
    assert ledger.balances(pw.client).owed == r.owed + FEE  # type: ignore[arg-type] # + the unpaid month
    assert_ledger_consistent(pw.client)


def test_membership_of_another_client_is_not_found(pw: PayWorld) -> None:
    other = Client.objects.create(
        clinic=pw.world.clinic, first_name="O", last_name="T", date_of_birth=NOW.date()
    )
    m = join(pw, client=other)
    with pytest.raises(NotFound):
        check_out(pw.visit, CheckoutSpec([face()], membership_id=m.pk), actor=pw.desk, now=AFTER_VISIT)


def test_pause_skips_months_and_resumes_by_itself(pw: PayWorld) -> None:
    m = join(pw)
    with pytest.raises(InvalidInput, match="3 months at most"):
        memberships.pause(m, until=add_months(NOW, 4), actor=pw.desk, now=NOW)
    memberships.pause(m, until=add_months(NOW, 2) + timedelta(days=1), actor=pw.desk, now=NOW)
    process_batch(now=add_months(NOW, 1))
    process_batch(now=add_months(NOW, 2))
    process_batch(now=add_months(NOW, 2) + timedelta(days=2))  # the pause is over
    m.refresh_from_db()
    assert m.status == MembershipStatus.ACTIVE
    statuses = list(
        MembershipCharge.objects.filter(membership=m).order_by("period").values_list("status", flat=True)
    )
    assert statuses == ["due", "skipped", "skipped"]
    process_batch(now=add_months(NOW, 3))
    assert MembershipCharge.objects.get(membership=m, period=3).status == "due"
    assert ledger.balances(pw.client).owed == 2 * FEE  # type: ignore[arg-type]
    assert_ledger_consistent(pw.client)


def test_cancel_honours_the_minimum_term_unless_an_owner_overrides(pw: PayWorld) -> None:
    m = join(pw)
    with pytest.raises(Conflict, match="minimum term"):
        memberships.cancel(m, actor=pw.desk, now=NOW + timedelta(days=40))
    with pytest.raises(NotAllowed, match="owner"):
        memberships.cancel(m, actor=pw.desk, now=NOW + timedelta(days=40), override=True)
    m = memberships.cancel(m, actor=pw.owner, now=NOW + timedelta(days=40), override=True)
    assert m.status == MembershipStatus.CANCELLED and m.ends_at == add_months(NOW, 2)
    process_batch(now=add_months(NOW, 3))  # nothing more is billed
    assert MembershipCharge.objects.filter(membership=m).count() == 1
    again = memberships.join(pw.client, m.plan, actor=pw.desk, now=NOW + timedelta(days=41))  # type: ignore[arg-type]
    done = memberships.cancel(again, actor=pw.desk, now=add_months(again.started_at, 3))
    assert done.status == MembershipStatus.CANCELLED


def test_two_live_memberships_refuse_a_merge(pw: PayWorld) -> None:
    from needlepoint.clinic.client_records.merge import merge_clients

    other = Client.objects.create(
        clinic=pw.world.clinic, first_name="O", last_name="T", date_of_birth=NOW.date()
    )
    join(pw)
    memberships.join(other, MembershipPlan.objects.get(), actor=pw.desk, now=NOW)  # type: ignore[arg-type]
    with pytest.raises(Conflict, match="Both clients have a live membership"):
        merge_clients(pw.client, other, actor=pw.owner, now=NOW)  # type: ignore[arg-type]
    assert ClientMembership.objects.filter(client=other).exists()
    assert not ClientPackage.objects.exists()


def test_the_worker_runs_the_money_round(pw: PayWorld, cards: FakeCards) -> None:
    """`needlepoint worker` bills and collects through its one payments step."""
    from needlepoint import clock
    from needlepoint.ops import worker

    with_card(pw, cards)
    m = join(pw)
    with clock.frozen(add_months(NOW, 1) + timedelta(hours=1)):
        worker.run(once=True)
    statuses = list(
        MembershipCharge.objects.filter(membership=m).order_by("period").values_list("status", flat=True)
    )
    assert statuses == ["paid", "paid"] and cards.money_taken == 2 * FEE
    assert_ledger_consistent(pw.client)
