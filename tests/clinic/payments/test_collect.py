"""processor.collect is called after the tender's transaction has committed (the till, the
worker): it records what the processor said in a transaction of its own, once."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from needlepoint.clinic.payments import ledger, processor
from needlepoint.clinic.payments.models import Tender, TenderStatus
from needlepoint.clinic.payments.selectors import settings_for
from needlepoint.clinic.payments.tenders import TenderSpec, new_tender

from .conftest import AFTER_VISIT, PayWorld
from .deposit_fake import installed
from .helpers import assert_ledger_consistent

pytestmark = pytest.mark.django_db(transaction=True)


def _pending(pw: PayWorld, amount: int) -> Tender:
    with transaction.atomic():
        return new_tender(
            pw.client,  # type: ignore[arg-type]
            TenderSpec("stripe", amount),
            at=AFTER_VISIT,
            by=pw.desk,  # type: ignore[arg-type]
            purpose="fee",
            status=TenderStatus.PENDING,
        )


@pytest.mark.parametrize(
    ("answer", "status", "paid"),
    [("succeeded", "succeeded", 1500), ("failed", "failed", 0), ("unknown", "pending", 0)],
)
def test_outside_a_transaction(pw: PayWorld, answer: str, status: str, paid: int) -> None:
    ps = settings_for(pw.world.clinic)
    ps.processor = "stripe"
    ps.save()
    before = ledger.balance(pw.client)  # type: ignore[arg-type]
    with installed() as cards:
        cards.answer = answer
        tender = _pending(pw, 1500)
        assert not transaction.get_connection().in_atomic_block
        outcome: Any = processor.collect(tender, off_session=True)
        processor.collect(tender, off_session=True) if answer == "succeeded" else None  # a retry
    assert outcome.status == answer
    assert Tender.objects.get(pk=tender.pk).status == status
    assert before - ledger.balance(pw.client) == paid  # type: ignore[arg-type]
    assert_ledger_consistent(pw.client)
