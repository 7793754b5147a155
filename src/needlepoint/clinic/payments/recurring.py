"""Charging a saved card for a row that falls due (an instalment, a membership month), with
retries on day 1, 3 and 7 after it was due.

An attempt is claimed under a row lock (a short lease in ``next_attempt_at`` keeps a second
worker off it), its card tender is committed PENDING before the processor is called, so a worker
killed in between finds the pending tender next round and collects *that* tender again: the
processor's idempotency key (the tender's) answers the first charge, never a second one."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import models, transaction

from needlepoint.clinic.clients.models import Client

from . import processor
from .models import Invoice, Method, Tender, TenderStatus
from .models_recurring import RETRY_DAYS
from .tenders import TenderSpec, new_tender

#: How long a claimed attempt is kept from other workers while the processor answers.
LEASE = timedelta(minutes=10)
#: An answer we could not read (timeout, 5xx): ask again about the same tender after this.
RECHECK = timedelta(hours=1)


def add_months(at: datetime, months: int) -> datetime:
    """`at` moved by whole months, the day clamped to the month's length (31 Jan + 1 = 28/29 Feb)."""
    index = at.year * 12 + at.month - 1 + months
    year, month = divmod(index, 12)
    day = min(at.day, calendar.monthrange(year, month + 1)[1])
    return at.replace(year=year, month=month + 1, day=day)


def months_between(start: datetime, at: datetime) -> int:
    """Whole months from `start` to `at` (the period `at` falls in; 0 for the first month)."""
    if at < start:
        return 0
    n = (at.year - start.year) * 12 + at.month - start.month
    while n > 0 and add_months(start, n) > at:
        n -= 1
    while add_months(start, n + 1) <= at:
        n += 1
    return n


@dataclass(frozen=True)
class Due:
    """How to charge one kind of row."""

    model: type[models.Model]
    purpose: str  # the tender's purpose
    client_of: Callable[[Any], Client]
    invoice_of: Callable[[Any], Invoice | None]
    due_at_of: Callable[[Any], datetime]
    key_of: Callable[[Any], str]


@dataclass(frozen=True)
class Attempt:
    row: Any
    outcome: str  # "succeeded" | "failed" | "unknown"
    final: bool  # the last try failed: give up
    message: str = ""


def claim(due: Due, pk: int, now: datetime) -> Tender | None:
    """Take the row's attempt: its pending tender (a crash left one) or a new one. None when
    the row is not due any more (paid, another worker has it) or there is no card to charge."""
    with transaction.atomic():
        row: Any = due.model._default_manager.select_for_update().filter(pk=pk).first()
        if row is None or row.status != "due":
            return None
        if row.next_attempt_at is not None and row.next_attempt_at > now:
            return None
        tender: Tender | None = row.tender
        if tender is None or tender.status != TenderStatus.PENDING:
            proc = processor.processor_for(row.clinic_id)
            client = due.client_of(row)
            if proc is None or not proc.has_card(client.pk):
                return None  # shown as due: staff take it at the desk
            row.attempts += 1
            tender = new_tender(
                client,
                TenderSpec(Method.STRIPE, row.amount_minor),
                at=now,
                by=None,
                purpose=due.purpose,
                invoice=due.invoice_of(row),
                status=TenderStatus.PENDING,
                key=f"{due.key_of(row)}:try{row.attempts}",
            )
            row.tender = tender
        row.next_attempt_at = now + LEASE
        row.save(update_fields=["attempts", "tender", "next_attempt_at"])
        return tender


def attempt(due: Due, pk: int, now: datetime) -> Attempt | None:
    """Claim, charge off-session, and record what came back on the row."""
    tender = claim(due, pk, now)
    if tender is None:
        return None
    with transaction.atomic():
        outcome = processor.collect(tender, off_session=True)
        row: Any = due.model._default_manager.select_for_update().get(pk=pk)
        if outcome.status == "succeeded":
            row.status = "paid"
            row.paid_at = now
            row.next_attempt_at = None
            row.save(update_fields=["status", "paid_at", "next_attempt_at"])
            return Attempt(row, "succeeded", final=False)
        if outcome.status in ("failed", "requires_action"):
            final = row.attempts > len(RETRY_DAYS)
            if final:
                row.status = "failed"
                row.next_attempt_at = None
            else:
                row.next_attempt_at = max(
                    due.due_at_of(row) + timedelta(days=RETRY_DAYS[row.attempts - 1]),
                    now + timedelta(hours=1),
                )
            row.save(update_fields=["status", "next_attempt_at"])
            return Attempt(row, "failed", final=final, message=outcome.message)
        row.next_attempt_at = now + RECHECK
        row.save(update_fields=["next_attempt_at"])
        return Attempt(row, "unknown", final=False)


def settle_by_hand_allowed(row: Any) -> None:
    """A due or card-failed row can be paid at the desk; a pending card charge first needs its
    answer (otherwise the client could pay twice)."""
    from needlepoint.clinic.errors import Conflict

    if row.status not in ("due", "failed"):
        raise Conflict("This is not due.", code="not_due")
    if row.tender_id and Tender.objects.filter(pk=row.tender_id, status=TenderStatus.PENDING).exists():
        raise Conflict(
            "A card charge for this is waiting for the processor's answer; try again shortly.",
            code="charge_pending",
        )
