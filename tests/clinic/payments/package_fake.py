"""A scripted card processor for the package and membership tests (registered for the
"stripe" kind only inside the fixture, the real factory restored after). It keeps what each
idempotency key was answered, as Stripe does: charging the same tender again returns the first
answer and never charges twice."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from needlepoint.clinic.payments import processor
from needlepoint.clinic.payments.models import PaymentSettings, Processor, Tender
from needlepoint.clinic.payments.processor import ChargeOutcome, RefundOutcome


@dataclass
class FakeCards:
    cards: set[int] = field(default_factory=set)  # client ids with a saved card
    script: list[str] = field(default_factory=list)  # next answers; empty: "succeeded"
    charged: dict[str, ChargeOutcome] = field(default_factory=dict)  # idempotency key -> answer
    refunds: dict[str, int] = field(default_factory=dict)
    calls: int = 0

    def has_card(self, client_id: int) -> bool:
        return client_id in self.cards

    def charge_saved_card(self, tender: Tender, *, off_session: bool) -> ChargeOutcome:
        self.calls += 1
        key = f"tender:{tender.pk}"
        if key in self.charged and self.charged[key].status != "unknown":
            return self.charged[key]
        status = self.script.pop(0) if self.script else "succeeded"
        outcome = ChargeOutcome(
            status, f"pi_{tender.pk}", "Your card was declined." if status == "failed" else ""
        )
        self.charged[key] = outcome
        return outcome

    def refund(self, tender: Tender, amount_minor: int, *, key: str) -> RefundOutcome:
        self.refunds.setdefault(key, amount_minor)
        return RefundOutcome(True, f"re_{key}")

    @property
    def money_taken(self) -> int:
        """Charges that went through (each key once)."""
        return self.money_taken_from(None)

    def money_taken_from(self, client_id: int | None) -> int:
        tenders = [
            Tender.objects.get(pk=int(k.split(":")[1]))
            for k, o in self.charged.items()
            if o.status == "succeeded"
        ]
        return sum(t.amount_minor for t in tenders if client_id in (None, t.client_id))


@pytest.fixture(name="cards")
def cards_fixture(db: None) -> Iterator[FakeCards]:
    fake = FakeCards()
    before = processor._factories.get(Processor.STRIPE)
    processor.register(Processor.STRIPE, lambda clinic_id: fake)
    try:
        yield fake
    finally:
        if before is None:
            processor._factories.pop(Processor.STRIPE, None)
        else:
            processor.register(Processor.STRIPE, before)


def use_cards(clinic: Any) -> None:
    """Switch the clinic to the card processor (the fake, inside the fixture)."""
    from needlepoint.clinic.payments.selectors import settings_for

    settings_for(clinic)
    PaymentSettings.objects.filter(clinic=clinic).update(processor=Processor.STRIPE)


def price_list(clinic: Any, **areas: str) -> Any:
    """Area prices and a 3-session package at 10 % off and a 6-session one at 20 % off."""
    from needlepoint.clinic.pricing.models import AreaPrice, Package, PriceList

    prices = PriceList.objects.create(clinic=clinic)
    for area, price in (areas or {"face": "200.00", "neck": "100.00"}).items():
        AreaPrice.objects.create(clinic=clinic, price_list=prices, area=area, per_session=Decimal(price))
    Package.objects.create(
        clinic=clinic, price_list=prices, name="Course of 6", sessions=6, discount_percent=20
    )
    return Package.objects.create(
        clinic=clinic, price_list=prices, name="Course of 3", sessions=3, discount_percent=10
    )


def at(days: float, base: datetime) -> datetime:
    from datetime import timedelta

    return base + timedelta(days=days)
