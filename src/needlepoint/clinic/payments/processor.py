"""The card processor behind a small interface, so deposits, fees, memberships and refunds are
written once and Stripe is one implementation (``stripe_gateway.StripeProcessor``, registered
in ``PaymentsConfig.ready``). A clinic in "paid elsewhere" mode has no processor: card actions
answer a clear refusal and staff record money taken on their own terminal.

Every call carries an idempotency key derived from our own row (``tender:<pk>``,
``refund:<tender pk>:<n>``): a retried request or a restarted worker never charges twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from django.db import transaction

from needlepoint.clinic.errors import Conflict

from .models import Processor as ProcessorChoice
from .models import Tender, TenderStatus
from .selectors import settings_for


@dataclass(frozen=True)
class ChargeOutcome:
    status: str  # "succeeded" | "failed" | "requires_action" (SCA: the client must confirm)
    processor_id: str = ""
    message: str = ""  # for people: why it failed, what to do


@dataclass(frozen=True)
class RefundOutcome:
    ok: bool
    processor_id: str = ""
    message: str = ""


class CardProcessor(Protocol):
    def has_card(self, client_id: int) -> bool: ...

    def charge_saved_card(self, tender: Tender, *, off_session: bool) -> ChargeOutcome:
        """Charge `tender.amount_minor` to the client's saved card, keyed by the tender."""
        ...

    def refund(self, tender: Tender, amount_minor: int, *, key: str) -> RefundOutcome: ...


_factories: dict[str, Callable[[int], CardProcessor]] = {}


def register(kind: str, factory: Callable[[int], CardProcessor]) -> None:
    _factories[kind] = factory


def processor_for(clinic_id: int) -> CardProcessor | None:
    """The clinic's processor, or None in "paid elsewhere" mode."""
    kind = settings_for(clinic_id).processor
    if kind == ProcessorChoice.NONE:
        return None
    factory = _factories.get(kind)
    return factory(clinic_id) if factory else None


def require_processor(clinic_id: int) -> CardProcessor:
    proc = processor_for(clinic_id)
    if proc is None:
        raise Conflict(
            "This clinic takes card payments on its own terminal: record them as paid elsewhere.",
            code="no_processor",
        )
    return proc


def collect(tender: Tender, *, off_session: bool) -> ChargeOutcome:
    """Charge a pending card tender through the clinic's processor and record what came back.

    The one path every caller (till, deposits, fees, memberships, instalments) goes through:
    "succeeded" posts it once (``settle`` is keyed by the tender), "failed"/"requires_action"
    marks it failed with a message for people, anything else ("unknown": a timeout, a 5xx)
    leaves it pending for the worker to reconcile through the same idempotency key.
    Call it after the transaction that created the tender has committed."""
    from needlepoint import clock

    outcome = require_processor(tender.clinic_id).charge_saved_card(tender, off_session=off_session)
    record_outcome(tender, outcome, at=clock.now())
    return outcome


def record_outcome(tender: Tender, outcome: ChargeOutcome, *, at: datetime) -> str:
    """Apply a processor answer to a tender once, under its row lock (the synchronous answer,
    a webhook and the worker's reconciliation all come here). Returns the tender's status
    afterwards. A succeeded answer always wins (the money was taken); a failure only moves a
    tender that is still pending (an older answer cannot undo a payment)."""
    from .tenders import fail, settle

    with transaction.atomic():
        locked = Tender.objects.select_for_update().select_related("client").get(pk=tender.pk)
        if outcome.status == "succeeded":
            if outcome.processor_id and locked.processor_id != outcome.processor_id:
                Tender.objects.filter(pk=locked.pk).update(processor_id=outcome.processor_id)
                locked.processor_id = outcome.processor_id
            settle(locked, at=at)
        elif outcome.status in ("failed", "requires_action") and locked.status == TenderStatus.PENDING:
            fail(locked, outcome.message or "The card was declined.")
        tender.status, tender.processor_id = locked.status, locked.processor_id
        tender.failure_message = locked.failure_message
        return str(locked.status)
