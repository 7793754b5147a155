"""What an invoice page, its PDF and the receipt email show: the invoice with its lines, the
deposit and credit applied, the tenders (with what is left to refund on each), the refunds and
the balance — read once here so the three cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass

from . import ledger
from .models import Account, EntryKind, Invoice, InvoiceLine, LedgerEntry, Tender, TenderStatus
from .tenders import refundable


@dataclass(frozen=True)
class TenderRow:
    tender: Tender
    refundable: int


@dataclass(frozen=True)
class InvoiceSummary:
    invoice: Invoice
    lines: list[InvoiceLine]
    deposit_applied: int
    tenders: list[TenderRow]
    refunds: list[LedgerEntry]
    paid: int  # money received on the invoice (succeeded tenders)
    refunded: int
    balance: int  # still owed (negative: owed back to the client)

    @property
    def payable(self) -> int:
        """What the client pays in money: the total less package credit."""
        return self.invoice.total_minor - self.invoice.credit_minor


def summarise(invoice: Invoice) -> InvoiceSummary:
    entries = list(LedgerEntry.objects.filter(invoice=invoice).order_by("created_at", "pk"))
    tenders = list(Tender.objects.filter(invoice=invoice).select_related("recorded_by__user").order_by("pk"))
    refunds = [e for e in entries if e.kind == EntryKind.REFUND]
    return InvoiceSummary(
        invoice=invoice,
        lines=list(invoice.lines.order_by("position")),
        deposit_applied=-sum(
            e.amount_minor
            for e in entries
            if e.kind == EntryKind.DEPOSIT_APPLIED and e.account == Account.RECEIVABLE
        ),
        tenders=[TenderRow(t, refundable(t)) for t in tenders],
        refunds=refunds,
        paid=sum(t.amount_minor for t in tenders if t.status == TenderStatus.SUCCEEDED),
        refunded=sum(e.amount_minor for e in refunds),
        balance=ledger.invoice_balance(invoice.pk),
    )
