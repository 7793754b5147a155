"""A visit ready for the till: checked in, under a plan with two priced areas (cheeks £120,
forehead £80), a serum on the shelf (5 at £35); the client agreed to email (receipts)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest

from tests.clinic.payments.conftest import AFTER_VISIT, PayWorld, make_pay_world
from tests.conftest import ClinicWorld


def make_till(world: ClinicWorld) -> PayWorld:
    from needlepoint.clinic.booking.models import Appointment, Series
    from needlepoint.clinic.clients.models import Client
    from needlepoint.clinic.pricing.models import AreaPrice, PriceList
    from tests.clinic.journey_helpers import draft

    pw = make_pay_world(world)
    plan = draft(world)
    Series.objects.filter(pk=pw.visit.series_id).update(plan=plan)  # type: ignore[attr-defined]
    prices = PriceList.objects.create(clinic=world.clinic)
    for area, amount in (("cheeks", "120.00"), ("forehead", "80.00")):
        AreaPrice.objects.create(
            clinic=world.clinic, price_list=prices, area=area, per_session=Decimal(amount)
        )
    Appointment.objects.filter(pk=pw.visit.pk).update(status="checked_in")  # type: ignore[attr-defined]
    Client.objects.filter(pk=world.client.pk).update(consent_email=True)  # type: ignore[attr-defined]
    pw.visit.refresh_from_db()  # type: ignore[attr-defined]
    world.client.refresh_from_db()  # type: ignore[attr-defined]
    return pw


@pytest.fixture
def till(clinic_a: ClinicWorld) -> PayWorld:
    return make_till(clinic_a)


@pytest.fixture(autouse=True)
def _after_visit() -> Iterator[None]:
    with mock.patch("needlepoint.clock.now", return_value=AFTER_VISIT):
        yield


@dataclass
class FakeCards:
    """A card processor standing in for Stripe on the till pages (Stripe itself is another
    helper's): it says who has a card and answers every charge and refund as told."""

    cards: set[int]
    charge_status: str = "succeeded"
    refund_ok: bool = True
    charged: list[int] | None = None
    refunded: list[tuple[int, int, str]] | None = None

    def has_card(self, client_id: int) -> bool:
        return client_id in self.cards

    def charge_saved_card(self, tender: Any, *, off_session: bool) -> Any:
        from needlepoint.clinic.payments.processor import ChargeOutcome

        (self.charged if self.charged is not None else []).append(tender.pk)
        return ChargeOutcome(self.charge_status, f"pi_{tender.pk}", "Your card was declined.")

    def refund(self, tender: Any, amount_minor: int, *, key: str) -> Any:
        from needlepoint.clinic.payments.processor import RefundOutcome

        (self.refunded if self.refunded is not None else []).append((tender.pk, amount_minor, key))
        return RefundOutcome(self.refund_ok, f"re_{key}", "" if self.refund_ok else "Stripe said no.")


@pytest.fixture
def cards(till: PayWorld) -> Iterator[FakeCards]:
    from needlepoint.clinic.payments import processor
    from needlepoint.clinic.payments.models import PaymentSettings
    from needlepoint.clinic.payments.selectors import settings_for

    fake = FakeCards({till.client.pk}, charged=[], refunded=[])  # type: ignore[attr-defined]
    settings_for(till.world.clinic.pk)  # type: ignore[attr-defined]
    PaymentSettings.objects.filter(clinic=till.world.clinic).update(processor="stripe")
    before = dict(processor._factories)
    processor.register("stripe", lambda clinic_id: fake)
    yield fake
    processor._factories.clear()
    processor._factories.update(before)
