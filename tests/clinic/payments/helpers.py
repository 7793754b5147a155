"""Ledger checks every money test ends with: balances are the sums of the entries, money in
equals the succeeded tenders less refunds, nothing recorded twice."""

from __future__ import annotations

from collections import Counter

from django.db.models import Sum

from needlepoint.clinic.payments import ledger
from needlepoint.clinic.payments.models import Account, EntryKind, LedgerEntry, Tender, TenderStatus


def assert_ledger_consistent(client: object) -> None:
    entries = list(LedgerEntry.objects.filter(client=client))
    by_account: Counter[str] = Counter()
    for e in entries:
        by_account[e.account] += e.amount_minor
    b = ledger.balances(client)  # type: ignore[arg-type]
    assert (b.owed, b.deposits_held, b.package_credit) == (
        by_account[Account.RECEIVABLE],
        by_account[Account.DEPOSIT],
        by_account[Account.CREDIT],
    )
    # every succeeded tender is posted exactly once; failed and pending ones never
    posted = Counter(e.tender_id for e in entries if e.kind in (EntryKind.PAYMENT, EntryKind.DEPOSIT_PAID))
    for t in Tender.objects.filter(client=client):
        assert posted[t.pk] == (1 if t.status == TenderStatus.SUCCEEDED else 0), t
    money_in = (
        Tender.objects.filter(client=client, status=TenderStatus.SUCCEEDED).aggregate(t=Sum("amount_minor"))[
            "t"
        ]
        or 0
    )
    refunds = sum(
        abs(e.amount_minor) for e in entries if e.kind in (EntryKind.REFUND, EntryKind.DEPOSIT_REFUNDED)
    )
    posted_in = sum(
        abs(e.amount_minor) for e in entries if e.kind in (EntryKind.PAYMENT, EntryKind.DEPOSIT_PAID)
    )
    assert posted_in - refunds == money_in - refunds
    assert refunds <= money_in
