"""Invoices (lines, tax, tenders), balances, package balances, payments, refunds and checkout.
Amounts are integer minor units of the clinic's currency (pence, cents)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from .common import Id, Line

# Guards for the database only: the services refuse what is not money with a 400 and a message.
Minor = Annotated[int, Field(ge=-10_000_000_000, le=10_000_000_000)]
PaidElsewhere = Literal["cash", "card_terminal", "bank_transfer"]


class InvoiceLineOut(Schema):
    position: int
    kind: str
    description: str
    quantity: int
    unit_price_minor: int
    discount_minor: int
    discount_reason: str
    credit_minor: int = Field(description="Part of the gross covered by package credit.")
    tax_rate_bp: int = Field(description="Tax rate in basis points (2000 = 20 %).")
    net_minor: int
    tax_minor: int
    gross_minor: int
    product_id: int | None
    areas: list[str]


class TenderOut(Schema):
    id: int
    client_id: int
    invoice_id: int | None
    appointment_id: int | None
    method: str
    purpose: str
    amount_minor: int
    currency: str
    status: str
    reference: str
    processor_id: str
    failure_message: str
    refunded_minor: int
    created_at: datetime


class InvoiceOut(Schema):
    id: int
    number: int
    number_text: str
    client_id: int
    appointment_id: int | None
    location_id: int | None
    practitioner_id: int | None
    currency: str
    bill_to_name: str
    bill_to_email: str
    net_minor: int
    tax_minor: int
    total_minor: int = Field(description="Gross, tip included.")
    discount_minor: int
    credit_minor: int
    tip_minor: int
    tax_name: str
    tax_registration: str
    issued_at: datetime
    balance_minor: int = Field(description="Still owed on this invoice (negative: overpaid).")
    lines: list[InvoiceLineOut]
    tenders: list[TenderOut]


class BalanceOut(Schema):
    client_id: int
    currency: str
    owed_minor: int = Field(
        description="Positive: the client owes the clinic; negative: the clinic owes them."
    )
    deposits_held_minor: int
    package_credit_minor: int = Field(description="Prepaid package value not yet used.")


class PackageOut(Schema):
    id: int
    client_id: int
    name: str
    areas: list[str]
    sessions_total: int
    sessions_used: int
    sessions_left: int
    price_minor: int
    value_left_minor: int
    currency: str
    status: str
    sold_at: datetime
    expires_at: datetime


class PaymentIn(Schema):
    method: PaidElsewhere = Field(
        description="Paid elsewhere: cash, the clinic's own card terminal, a bank transfer."
    )
    amount_minor: Minor
    invoice_id: Id | None = Field(None, description="Pay this invoice; omitted: pay the account.")
    reference: Line = Field("", max_length=120, description="Slip number, transfer reference…")


class RefundIn(Schema):
    amount_minor: Minor
    reason: Line = Field(min_length=1, max_length=200)


class RefundOut(Schema):
    tender: TenderOut
    refunded_minor: int
    balance: BalanceOut


class CheckoutLineIn(Schema):
    kind: Literal["treatment", "product", "fee"]
    description: Line = Field(max_length=200)
    unit_price_minor: Minor
    quantity: int = Field(1, ge=-1000, le=100_000)
    discount_minor: Minor = 0
    discount_reason: Line = Field("", max_length=120)
    product_id: Id | None = Field(
        None, description="For a product line: sold from the visit's location's stock."
    )
    areas: list[Annotated[str, Field(max_length=40)]] = Field(default_factory=list, max_length=30)


class CheckoutTenderIn(Schema):
    method: PaidElsewhere
    amount_minor: Minor
    reference: Line = Field("", max_length=120)


class CheckoutIn(Schema):
    lines: list[CheckoutLineIn] | None = Field(
        None, max_length=100, description="Omitted: the visit's planned areas at the clinic's prices."
    )
    tenders: list[CheckoutTenderIn] = Field(default_factory=list, max_length=10)
    tip_minor: Minor = 0
    client_package_id: Id | None = Field(None, description="Redeem one credit of this package first.")
    apply_deposit: bool = True
    currency: Annotated[str, Field(min_length=3, max_length=3)] | None = None


class CheckoutOut(Schema):
    invoice: InvoiceOut
    deposit_applied_minor: int
    credit_applied_minor: int
    owed_minor: int
