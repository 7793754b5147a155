"""Writing to and reading from the ledger. Every money movement goes through ``post``; every
balance is a sum over entries (nothing stores a running total that could drift)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Sum

from needlepoint.clinic.accounts.models import Membership
from needlepoint.clinic.clients.models import Client

from .models import Account, LedgerEntry


@dataclass(frozen=True)
class Posting:
    account: str
    kind: str
    amount_minor: int
    method: str = ""


def post(
    client: Client,
    posting: Posting,
    *,
    at: datetime,
    currency: str,
    by: Membership | None = None,
    key: str | None = None,
    **links: object,
) -> LedgerEntry:
    """Append one entry. `links`: appointment, invoice, tender, location, practitioner, reverses,
    reference, memo. `key` (unique per clinic) makes a repeated post of one fact fail loudly."""
    return LedgerEntry.objects.create(
        clinic_id=client.clinic_id,
        client=client,
        account=posting.account,
        kind=posting.kind,
        amount_minor=posting.amount_minor,
        method=posting.method,
        currency=currency,
        created_by=by,
        created_at=at,
        idempotency_key=key,
        **links,
    )


def balance(client: Client | int, account: str = Account.RECEIVABLE) -> int:
    client_id = client if isinstance(client, int) else client.pk
    total = LedgerEntry.objects.filter(client_id=client_id, account=account).aggregate(t=Sum("amount_minor"))[
        "t"
    ]
    return int(total or 0)


@dataclass(frozen=True)
class Balances:
    owed: int  # positive: the client owes the clinic; negative: the clinic owes the client
    deposits_held: int
    package_credit: int  # prepaid value not yet used (deferred revenue)


def balances(client: Client) -> Balances:
    sums = dict(
        LedgerEntry.objects.filter(client=client)
        .values("account")
        .annotate(t=Sum("amount_minor"))
        .values_list("account", "t")
    )
    return Balances(
        owed=int(sums.get(Account.RECEIVABLE) or 0),
        deposits_held=int(sums.get(Account.DEPOSIT) or 0),
        package_credit=int(sums.get(Account.CREDIT) or 0),
    )


def invoice_balance(invoice_id: int) -> int:
    """What is still owed on one invoice (negative: overpaid or refunded below zero)."""
    total = LedgerEntry.objects.filter(invoice_id=invoice_id, account=Account.RECEIVABLE).aggregate(
        t=Sum("amount_minor")
    )["t"]
    return int(total or 0)
