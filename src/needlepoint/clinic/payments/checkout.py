"""Checkout at the end of a visit: treatment lines, products, package credit first, the deposit
next, then money by one or several methods. One transaction; the visit row is locked, so two
staff checking out the same visit at once get one invoice and one clear refusal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from needlepoint.clinic.accounts.models import Membership
from needlepoint.clinic.booking.models import Appointment, AppointmentStatus
from needlepoint.clinic.errors import Conflict, InvalidInput, NotFound
from needlepoint.clinic.permissions import Action, Actor, require_staff
from needlepoint.clinic.pricing.selectors import area_prices
from needlepoint.clinic.pricing.services import area_price

from . import ledger
from .invoices import LineSpec, issue_invoice, validate_line
from .memberships import apply_membership
from .models import (
    Account,
    ClientPackage,
    ClientPackageStatus,
    DepositRequest,
    DepositStatus,
    EntryKind,
    Invoice,
    ItemKind,
    Method,
    PackageRedemption,
    ProductStock,
    Tender,
    TenderStatus,
)
from .models_recurring import MembershipSessionUse
from .money import from_decimal
from .selectors import settings_for
from .tax import line_tax
from .tenders import TenderSpec, new_tender, validate_tender


@dataclass(frozen=True)
class CheckoutSpec:
    lines: list[LineSpec]
    tenders: list[TenderSpec] = field(default_factory=list)
    tip_minor: int = 0
    client_package_id: int | None = None
    membership_id: int | None = None  # included sessions or the discount of this membership
    apply_deposit: bool = True
    currency: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class CheckoutResult:
    invoice: Invoice
    tenders: list[Tender]
    deposit_applied: int
    credit_applied: int
    owed: int  # what is still owed on the invoice after this checkout (pending card charges included)

    @property
    def pending(self) -> list[Tender]:
        """Card charges to send to the processor after the transaction commits."""
        return [t for t in self.tenders if t.status == TenderStatus.PENDING]


def suggested_lines(appointment: Appointment) -> list[LineSpec]:
    """The visit's treatment lines: one per planned area at the clinic's area price."""
    plan = appointment.series.plan if appointment.series_id and appointment.series else None
    if plan is None:
        return []
    prices = area_prices(appointment.clinic)
    currency = appointment.clinic.currency
    lines = []
    for area in plan.areas.all():
        price = area_price(prices, area.area)
        if price is not None:
            lines.append(
                LineSpec(
                    kind=ItemKind.TREATMENT,
                    description=f"Microneedling: {area.area_name}",
                    unit_price_minor=from_decimal(price, currency),
                    areas=(area.area,),
                )
            )
    return lines


def check_out(appointment: Appointment, spec: CheckoutSpec, *, actor: Actor, now: datetime) -> CheckoutResult:
    member = require_staff(actor, Action.TAKE_PAYMENT, appointment)
    currency = appointment.clinic.currency
    if spec.currency and spec.currency.upper() != currency:
        raise InvalidInput(
            f"This clinic takes {currency}, not {spec.currency.upper()}.",
            field="currency",
            code="currency_mismatch",
        )
    for i, line in enumerate(spec.lines):
        validate_line(line, i)
    for i, t in enumerate(spec.tenders):
        validate_tender(t, i)
    if spec.tip_minor < 0:
        raise InvalidInput("A tip cannot be negative.", field="tip")
    with transaction.atomic():
        if spec.idempotency_key:
            done = Invoice.objects.filter(
                clinic_id=appointment.clinic_id, idempotency_key=spec.idempotency_key
            ).first()
            if done is not None:
                return _result_of(done)
        appt = (
            Appointment.objects.select_for_update().select_related("client", "clinic").get(pk=appointment.pk)
        )
        if appt.status == AppointmentStatus.CANCELLED:
            raise Conflict("A cancelled visit cannot be checked out.", code="cancelled")
        if (existing := Invoice.objects.filter(appointment=appt).first()) is not None:
            raise Conflict(
                f"This visit was already checked out (invoice {existing.number_text}).",
                code="already_checked_out",
            )
        _take_stock(appt, spec.lines)
        lines, credit_value = _apply_package(appt, spec, now=now)
        lines = apply_membership(appt, spec.membership_id, lines, now=now)
        invoice = issue_invoice(
            appt.client,
            lines,
            at=now,
            by=member,
            appointment=appt,
            location=appt.location,
            practitioner=appt.practitioner,
            tip_minor=spec.tip_minor,
            key=spec.idempotency_key,
        )
        if credit_value:
            ledger.post(
                appt.client,
                ledger.Posting(Account.CREDIT, EntryKind.CREDIT_REDEEMED, -credit_value, Method.CREDIT),
                at=now,
                currency=currency,
                by=member,
                invoice=invoice,
                appointment=appt,
                location=appt.location,
                practitioner=appt.practitioner,
            )
            PackageRedemption.objects.filter(appointment=appt, invoice__isnull=True).update(invoice=invoice)
        MembershipSessionUse.objects.filter(appointment=appt, invoice__isnull=True).update(invoice=invoice)
        deposit = _apply_deposit(appt, invoice, enabled=spec.apply_deposit, by=member, now=now)
        due = ledger.invoice_balance(invoice.pk)
        paying = sum(t.amount_minor for t in spec.tenders)
        if paying > max(due, 0):
            raise InvalidInput(
                "The payments add up to more than is due on this visit.", field="tenders", code="overpayment"
            )
        tenders = [
            new_tender(
                appt.client,
                t,
                at=now,
                by=member,
                invoice=invoice,
                appointment=appt,
                status=TenderStatus.PENDING if t.method == Method.STRIPE else TenderStatus.SUCCEEDED,
            )
            for t in spec.tenders
        ]
        owed = ledger.invoice_balance(invoice.pk)
    return CheckoutResult(invoice, tenders, deposit, credit_value, owed)


def _result_of(invoice: Invoice) -> CheckoutResult:
    credit = -sum(e.amount_minor for e in invoice.entries.filter(kind=EntryKind.CREDIT_REDEEMED))
    deposit = -sum(
        e.amount_minor
        for e in invoice.entries.filter(kind=EntryKind.DEPOSIT_APPLIED, account=Account.RECEIVABLE)
    )
    return CheckoutResult(
        invoice, list(invoice.tenders.all()), deposit, credit, ledger.invoice_balance(invoice.pk)
    )


def _take_stock(appt: Appointment, lines: list[LineSpec]) -> None:
    """Sold products leave this location's shelf; selling what is not there is refused (the
    count is wrong, and the owner should know)."""
    wanted: dict[int, int] = {}
    for line in lines:
        if line.kind == ItemKind.PRODUCT:
            if line.product is None:
                raise InvalidInput("A product line needs a product.", field="lines")
            if line.product.clinic_id != appt.clinic_id:
                raise NotFound()
            wanted[line.product.pk] = wanted.get(line.product.pk, 0) + line.quantity
    for product_id, qty in sorted(wanted.items()):  # one lock order: no deadlock between tills
        stock = (
            ProductStock.objects.select_for_update()
            .select_related("product")
            .filter(product_id=product_id, location_id=appt.location_id)
            .first()
        )
        have = stock.quantity if stock else 0
        if have < qty:
            name = stock.product.name if stock else "This product"
            raise Conflict(
                f"{name}: only {have} in stock at this location.", field="lines", code="out_of_stock"
            )
        ProductStock.objects.filter(pk=stock.pk).update(quantity=have - qty)  # type: ignore[union-attr]


def _apply_package(appt: Appointment, spec: CheckoutSpec, *, now: datetime) -> tuple[list[LineSpec], int]:
    """One package credit pays for the visit's treatment lines (their full gross)."""
    if spec.client_package_id is None:
        return list(spec.lines), 0
    package = (
        ClientPackage.objects.select_for_update()
        .filter(pk=spec.client_package_id, client_id=appt.client_id, clinic_id=appt.clinic_id)
        .first()
    )
    if package is None:
        raise NotFound("No such package for this client.", field="client_package")
    if package.status != ClientPackageStatus.ACTIVE:
        raise Conflict(f"The package is {package.get_status_display().lower()}.", field="client_package")
    if package.expires_at <= now:
        raise Conflict("The package has expired.", field="client_package", code="package_expired")
    used = package.redemptions.count()
    if used >= package.sessions_total:
        raise Conflict("No sessions are left on this package.", field="client_package")
    treatment = [i for i, line in enumerate(spec.lines) if line.kind == ItemKind.TREATMENT]
    if not treatment:
        raise InvalidInput(
            "A package credit pays for a treatment line; there is none.", field="client_package"
        )
    covered = set(package.areas.split())
    if covered:
        outside = sorted({a for i in treatment for a in spec.lines[i].areas} - covered)
        if outside:
            raise Conflict(f"The package does not cover {', '.join(outside)}.", field="client_package")
    settings = settings_for(appt.clinic_id)
    lines = list(spec.lines)
    for i in treatment:
        line = lines[i]
        gross = line_tax(
            line.amount, settings.rate_for(line.kind), inclusive=settings.prices_include_tax
        ).gross
        lines[i] = LineSpec(**{**line.__dict__, "credit_minor": gross})
    value = package.credit_value(used)
    PackageRedemption.objects.create(
        clinic_id=appt.clinic_id,
        client_package=package,
        appointment=appt,
        index=used,
        value_minor=value,
        created_at=now,
    )
    if used + 1 == package.sessions_total:
        ClientPackage.objects.filter(pk=package.pk).update(status=ClientPackageStatus.USED)
    return lines, value


def _apply_deposit(
    appt: Appointment, invoice: Invoice, *, enabled: bool, by: Membership | None, now: datetime
) -> int:
    deposit = (
        DepositRequest.objects.select_for_update().filter(appointment=appt, status=DepositStatus.PAID).first()
    )
    if deposit is None or not enabled:
        return 0
    amount = deposit.amount_minor
    # A deposit larger than what this visit owes (package credit covered most of it) pays the
    # invoice up to its total; the rest stays the client's, as credit on their account.
    on_invoice = min(amount, max(ledger.invoice_balance(invoice.pk), 0))
    for part, inv, suffix in ((on_invoice, invoice, ""), (amount - on_invoice, None, ":rest")):
        if part <= 0:
            continue
        for account in (Account.DEPOSIT, Account.RECEIVABLE):
            ledger.post(
                appt.client,
                ledger.Posting(account, EntryKind.DEPOSIT_APPLIED, -part, Method.DEPOSIT),
                at=now,
                currency=deposit.currency,
                by=by,
                invoice=inv,
                appointment=appt,
                location=appt.location,
                key=f"deposit:{deposit.pk}:{account}{suffix}",
            )
    DepositRequest.objects.filter(pk=deposit.pk).update(status=DepositStatus.APPLIED, settled_at=now)
    return amount
