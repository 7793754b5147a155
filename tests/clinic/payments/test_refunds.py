"""refunds.refund_tender: paid elsewhere is recorded; a card goes through the processor first and
is recorded once it said yes; only owners; never more than was paid."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from needlepoint.clinic.errors import Conflict, InvalidInput, NotAllowed
from needlepoint.clinic.payments import ledger, processor
from needlepoint.clinic.payments.checkout import CheckoutSpec, check_out
from needlepoint.clinic.payments.invoices import LineSpec
from needlepoint.clinic.payments.models import EntryKind, LedgerEntry, PaymentSettings, Tender
from needlepoint.clinic.payments.refunds import refund_tender
from needlepoint.clinic.payments.selectors import settings_for
from needlepoint.clinic.payments.tenders import TenderSpec, settle

from .conftest import AFTER_VISIT, PayWorld
from .helpers import assert_ledger_consistent

pytestmark = pytest.mark.django_db


class Card:
    def __init__(self) -> None:
        self.ok = True
        self.calls: list[tuple[int, int, str]] = []

    def has_card(self, client_id: int) -> bool:
        return True

    def charge_saved_card(self, tender: Any, *, off_session: bool) -> processor.ChargeOutcome:
        return processor.ChargeOutcome("succeeded", f"pi_{tender.pk}")

    def refund(self, tender: Any, amount_minor: int, *, key: str) -> processor.RefundOutcome:
        self.calls.append((tender.pk, amount_minor, key))
        return processor.RefundOutcome(self.ok, "re_1", "" if self.ok else "Stripe is down.")


@pytest.fixture
def card(pw: PayWorld) -> Iterator[Card]:
    fake = Card()
    settings_for(pw.world.clinic.pk)  # type: ignore[attr-defined]
    PaymentSettings.objects.filter(clinic=pw.world.clinic).update(processor="stripe")
    before = dict(processor._factories)
    processor.register("stripe", lambda clinic_id: fake)
    yield fake
    processor._factories.clear()
    processor._factories.update(before)


def _paid(pw: PayWorld, method: str) -> Tender:
    line = LineSpec(kind="treatment", description="Face", unit_price_minor=20000, areas=("face",))
    result = check_out(
        pw.visit, CheckoutSpec([line], [TenderSpec(method, 20000)]), actor=pw.desk, now=AFTER_VISIT
    )  # type: ignore[arg-type]
    tender = result.tenders[0]
    if method == "stripe":
        settle(tender, at=AFTER_VISIT)
    return tender


def test_cash_is_refunded_by_recording_it(pw: PayWorld) -> None:
    tender = _paid(pw, "cash")
    refund_tender(tender, 5000, "Unhappy", pw.owner, AFTER_VISIT)  # type: ignore[arg-type]
    assert LedgerEntry.objects.get(kind=EntryKind.REFUND).amount_minor == 5000
    assert ledger.invoice_balance(tender.invoice_id) == 0
    assert_ledger_consistent(pw.client)


def test_a_card_is_refunded_through_the_processor_once(pw: PayWorld, card: Card) -> None:
    tender = _paid(pw, "stripe")
    refund_tender(tender, 5000, "Unhappy", pw.owner, AFTER_VISIT)  # type: ignore[arg-type]
    refund_tender(tender, 15000, "All of it", pw.owner, AFTER_VISIT)  # type: ignore[arg-type]
    assert card.calls == [
        (tender.pk, 5000, f"refund:{tender.pk}:0"),
        (tender.pk, 15000, f"refund:{tender.pk}:1"),
    ]
    with pytest.raises(InvalidInput, match="Nothing is left to refund"):
        refund_tender(tender, 1, "More", pw.owner, AFTER_VISIT)  # type: ignore[arg-type]
    assert len(card.calls) == 2
    assert_ledger_consistent(pw.client)


def test_a_refused_card_refund_records_nothing(pw: PayWorld, card: Card) -> None:
    tender = _paid(pw, "stripe")
    card.ok = False
    with pytest.raises(Conflict, match="Stripe is down"):
        refund_tender(tender, 5000, "Unhappy", pw.owner, AFTER_VISIT)  # type: ignore[arg-type]
    assert not LedgerEntry.objects.filter(kind=EntryKind.REFUND).exists()
    assert_ledger_consistent(pw.client)


def test_a_card_refund_needs_a_processor_and_a_reason(pw: PayWorld, card: Card) -> None:
    tender = _paid(pw, "stripe")
    with pytest.raises(InvalidInput, match="Say why"):
        refund_tender(tender, 5000, " ", pw.owner, AFTER_VISIT)  # type: ignore[arg-type]
    PaymentSettings.objects.filter(clinic=pw.world.clinic).update(processor="none")
    with pytest.raises(Conflict, match="own terminal"):
        refund_tender(tender, 5000, "Unhappy", pw.owner, AFTER_VISIT)  # type: ignore[arg-type]
    assert card.calls == []
    assert_ledger_consistent(pw.client)


@pytest.mark.parametrize("role", ["desk", "practitioner"])
def test_only_owners_refund(pw: PayWorld, card: Card, role: str) -> None:
    tender = _paid(pw, "stripe")
    with pytest.raises(NotAllowed):
        refund_tender(tender, 5000, "Unhappy", getattr(pw, role), AFTER_VISIT)
    assert card.calls == []
