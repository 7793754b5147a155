"""A client's money at a glance, for the portal (and any page that shows one client's account):
deposits, invoices with what is left to pay, receipts (money received, less refunds), packages
with sessions and value left, and the balances. Checked through permissions: a client sees only
their own (``Action.READ_BALANCE``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Sum

from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.permissions import Action, Actor, require

from . import ledger
from .models import (
    Account,
    ClientPackage,
    DepositRequest,
    EntryKind,
    Invoice,
    LedgerEntry,
    Tender,
    TenderStatus,
)


@dataclass(frozen=True)
class InvoiceItem:
    invoice: Invoice
    balance_minor: int  # still to pay (negative: overpaid/refunded)


@dataclass(frozen=True)
class Receipt:
    tender: Tender
    refunded_minor: int


@dataclass(frozen=True)
class PackageItem:
    package: ClientPackage
    sessions_used: int
    sessions_left: int
    value_left_minor: int


@dataclass(frozen=True)
class Statement:
    currency: str
    balances: ledger.Balances
    deposits: list[DepositRequest]
    invoices: list[InvoiceItem]
    receipts: list[Receipt]
    packages: list[PackageItem]


def statement(client: Client, *, actor: Actor) -> Statement:
    require(actor, Action.READ_BALANCE, client)
    invoices = list(
        Invoice.objects.for_clinic(client.clinic_id).filter(client=client).order_by("-issued_at", "-pk")
    )
    owed = dict(
        LedgerEntry.objects.filter(invoice__in=invoices, account=Account.RECEIVABLE)
        .values("invoice_id")
        .annotate(t=Sum("amount_minor"))
        .values_list("invoice_id", "t")
    )
    tenders = list(
        Tender.objects.for_clinic(client.clinic_id)
        .filter(client=client, status=TenderStatus.SUCCEEDED)
        .select_related("invoice")
        .order_by("-created_at", "-pk")
    )
    back = dict(
        LedgerEntry.objects.filter(
            tender__in=tenders, kind__in=[EntryKind.REFUND, EntryKind.DEPOSIT_REFUNDED]
        )
        .values("tender_id")
        .annotate(t=Sum("amount_minor"))
        .values_list("tender_id", "t")
    )
    packages = []
    for p in (
        ClientPackage.objects.for_clinic(client.clinic_id)
        .filter(client=client)
        .prefetch_related("redemptions")
        .order_by("-sold_at", "-pk")
    ):
        used = [r.value_minor for r in p.redemptions.all()]
        packages.append(PackageItem(p, len(used), p.sessions_total - len(used), p.price_minor - sum(used)))
    deposits = list(
        DepositRequest.objects.for_clinic(client.clinic_id)
        .filter(client=client)
        .select_related("appointment__location")
        .order_by("-created_at", "-pk")
    )
    return Statement(
        currency=client.clinic.currency,
        balances=ledger.balances(client),
        deposits=deposits,
        invoices=[InvoiceItem(i, int(owed.get(i.pk) or 0)) for i in invoices],
        receipts=[Receipt(t, abs(int(back.get(t.pk) or 0))) for t in tenders],
        packages=packages,
    )


def invoice_for(client: Client, invoice_pk: int, *, actor: Actor) -> InvoiceItem | None:
    """One of the client's invoices with its lines and payments (None: not theirs)."""
    require(actor, Action.READ_BALANCE, client)
    invoice = (
        Invoice.objects.for_clinic(client.clinic_id)
        .filter(client=client, pk=invoice_pk)
        .prefetch_related("lines", "tenders")
        .first()
    )
    return InvoiceItem(invoice, ledger.invoice_balance(invoice.pk)) if invoice else None
