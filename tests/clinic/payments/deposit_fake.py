"""A small card processor for deposit and fee tests: it answers what the test tells it to
("succeeded", "failed", "requires_action", "unknown") and remembers every call, so a test can
see that nothing was charged twice. ``installed()`` registers one as the "stripe" processor
(each test module wraps it in a ``card`` fixture) and puts back what was there before."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from needlepoint.clinic.payments import processor
from needlepoint.clinic.payments.processor import ChargeOutcome, RefundOutcome


@dataclass
class FakeCards:
    cards: set[int] = field(default_factory=set)  # client ids with a saved card
    answer: str = "succeeded"
    refund_ok: bool = True
    charges: list[tuple[int, int, bool]] = field(default_factory=list)  # tender pk, amount, off_session
    refunds: list[tuple[int, int, str]] = field(default_factory=list)  # tender pk, amount, key

    def has_card(self, client_id: int) -> bool:
        return client_id in self.cards

    def charge_saved_card(self, tender: object, *, off_session: bool) -> ChargeOutcome:
        self.charges.append((tender.pk, tender.amount_minor, off_session))  # type: ignore[attr-defined]
        messages = {
            "failed": "Your card was declined.",
            "requires_action": "The bank asks the client to confirm this payment.",
        }
        return ChargeOutcome(self.answer, f"pi_{tender.pk}", messages.get(self.answer, ""))  # type: ignore[attr-defined]

    def refund(self, tender: object, amount_minor: int, *, key: str) -> RefundOutcome:
        self.refunds.append((tender.pk, amount_minor, key))  # type: ignore[attr-defined]
        return RefundOutcome(self.refund_ok, f"re_{len(self.refunds)}", "" if self.refund_ok else "refused")


@contextmanager
def installed() -> Iterator[FakeCards]:
    """Register a FakeCards as the "stripe" processor; test modules wrap it in a fixture."""
    fake = FakeCards()
    previous = processor._factories.get("stripe")
    processor.register("stripe", lambda clinic_id: fake)  # type: ignore[arg-type,return-value]
    try:
        yield fake
    finally:
        if previous is None:
            processor._factories.pop("stripe", None)
        else:
            processor.register("stripe", previous)
