"""Issuing invoices: gap-free numbers per clinic, tax per line computed once, one charge in the
ledger for what the client must pay in money (the part not covered by package credit)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from needlepoint.clinic import events
from needlepoint.clinic.accounts.models import Membership
from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Location
from needlepoint.clinic.errors import InvalidInput

from . import ledger
from .models import Account, EntryKind, Invoice, InvoiceLine, ItemKind, PaymentSettings, Product
from .selectors import settings_for
from .tax import line_tax


@dataclass(frozen=True)
class LineSpec:
    kind: str
    description: str
    unit_price_minor: int
    quantity: int = 1
    discount_minor: int = 0
    discount_reason: str = ""
    credit_minor: int = 0  # filled by checkout when package credit covers the line
    product: Product | None = None
    areas: tuple[str, ...] = field(default_factory=tuple)

    @property
    def amount(self) -> int:
        return self.unit_price_minor * self.quantity - self.discount_minor


def validate_line(line: LineSpec, index: int) -> None:
    where = f"lines.{index}"
    if line.kind not in ItemKind.values:
        raise InvalidInput(f"Unknown line kind '{line.kind}'.", field=where)
    if line.unit_price_minor < 0:
        raise InvalidInput("A price cannot be negative (give a discount with a reason instead).", field=where)
    if not 1 <= line.quantity <= 999:
        raise InvalidInput("Quantity must be between 1 and 999.", field=where)
    if line.discount_minor < 0:
        raise InvalidInput("A discount cannot be negative.", field=where)
    if line.discount_minor > line.unit_price_minor * line.quantity:
        raise InvalidInput("A discount cannot be more than the line's price.", field=where)
    if line.discount_minor and not line.discount_reason.strip():
        raise InvalidInput("Say why the discount was given.", field=where)
    if not line.description.strip():
        raise InvalidInput("Each line needs a description.", field=where)


def next_number(clinic_id: int) -> tuple[int, PaymentSettings]:
    """Take the next invoice number under a row lock: a rolled-back checkout gives its number
    back, so issued numbers have no gaps."""
    settings_for(clinic_id)  # exists before we lock it
    settings = PaymentSettings.objects.select_for_update().get(clinic_id=clinic_id)
    settings.last_invoice_number += 1
    settings.save(update_fields=["last_invoice_number"])
    return settings.last_invoice_number, settings


def issue_invoice(
    client: Client,
    lines: list[LineSpec],
    *,
    at: datetime,
    by: Membership | None,
    appointment: Appointment | None = None,
    location: Location | None = None,
    practitioner: Membership | None = None,
    tip_minor: int = 0,
    key: str | None = None,
) -> Invoice:
    """Create the invoice and its lines, post the money charge, publish ``InvoiceIssued``.
    Call inside the caller's transaction (checkout, package sale)."""
    if not lines:
        raise InvalidInput("An invoice needs at least one line.", field="lines")
    for i, line in enumerate(lines):
        validate_line(line, i)
    if tip_minor < 0:
        raise InvalidInput("A tip cannot be negative.", field="tip")
    number, settings = next_number(client.clinic_id)
    currency = client.clinic.currency
    taxed = [
        line_tax(line.amount, settings.rate_for(line.kind), inclusive=settings.prices_include_tax)
        for line in lines
    ]
    credit = sum(line.credit_minor for line in lines)
    invoice = Invoice.objects.create(
        clinic_id=client.clinic_id,
        number=number,
        number_text=f"{settings.invoice_prefix}{number:06d}",
        client=client,
        appointment=appointment,
        location=location,
        practitioner=practitioner,
        currency=currency,
        bill_to_name=f"{client.first_name} {client.last_name}".strip(),
        bill_to_email=client.email or "",
        net_minor=sum(t.net for t in taxed),
        tax_minor=sum(t.tax for t in taxed),
        total_minor=sum(t.gross for t in taxed) + tip_minor,
        discount_minor=sum(line.discount_minor for line in lines),
        credit_minor=credit,
        tip_minor=tip_minor,
        tax_name=settings.tax_name,
        tax_registration=settings.tax_registration,
        footer=settings.invoice_footer,
        issued_at=at,
        issued_by=by,
        idempotency_key=key,
    )
    InvoiceLine.objects.bulk_create(
        [
            InvoiceLine(
                clinic_id=client.clinic_id,
                invoice=invoice,
                position=i,
                kind=line.kind,
                description=line.description.strip()[:200],
                quantity=line.quantity,
                unit_price_minor=line.unit_price_minor,
                discount_minor=line.discount_minor,
                discount_reason=line.discount_reason.strip()[:120],
                credit_minor=line.credit_minor,
                tax_rate_bp=settings.rate_for(line.kind),
                net_minor=t.net,
                tax_minor=t.tax,
                gross_minor=t.gross,
                product=line.product,
                areas=" ".join(line.areas),
            )
            for i, (line, t) in enumerate(zip(lines, taxed, strict=True))
        ]
    )
    payable = invoice.total_minor - credit
    if payable:
        ledger.post(
            client,
            ledger.Posting(Account.RECEIVABLE, EntryKind.CHARGE, payable),
            at=at,
            currency=currency,
            by=by,
            invoice=invoice,
            appointment=appointment,
            location=location,
            practitioner=practitioner,
            memo=invoice.number_text,
        )
    events.publish(events.InvoiceIssued(clinic_id=client.clinic_id, invoice=invoice))
    return invoice
