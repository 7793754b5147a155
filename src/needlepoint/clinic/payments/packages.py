"""Selling a course of sessions up front or in instalments, refunding unused credit pro rata,
and expiring what was not used in time.

The money: the sale issues an invoice (one PACKAGE line) whose charge the tenders or the
instalments pay, and puts the price into the CREDIT account (deferred revenue). Each session
redeems one credit (checkout). A refund gives back the unused value, never more than was paid
less what was used; an expiry moves the unused value out of deferred revenue. All as new
ledger entries: nothing is edited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from needlepoint.clinic import events
from needlepoint.clinic.accounts.models import Membership
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.errors import Conflict, InvalidInput, NotFound
from needlepoint.clinic.permissions import Action, Actor, membership_of, require, require_staff
from needlepoint.clinic.pricing.models import Package
from needlepoint.clinic.pricing.selectors import area_prices
from needlepoint.clinic.pricing.services import area_price

from . import ledger, processor, recurring
from .invoices import LineSpec, issue_invoice
from .models import (
    PAID_ELSEWHERE,
    Account,
    ClientPackage,
    ClientPackageStatus,
    EntryKind,
    Invoice,
    ItemKind,
    Method,
    Tender,
    TenderStatus,
)
from .models_recurring import Instalment, InstalmentPlan, InstalmentStatus
from .money import from_decimal
from .selectors import settings_for
from .tenders import TenderSpec, new_tender, refundable, validate_tender

MAX_INSTALMENTS = 12

INSTALMENTS = recurring.Due(
    model=Instalment,
    purpose="instalment",
    client_of=lambda i: i.plan.client,
    invoice_of=lambda i: i.plan.client_package.invoice,
    due_at_of=lambda i: i.due_at,
    key_of=lambda i: f"instalment:{i.pk}",
)


def package_price(package: Package, areas: tuple[str, ...]) -> int:
    """The course's price in minor units: the areas' session prices × sessions, less the
    package's discount (as the quote computes it)."""
    if not areas:
        raise InvalidInput("Choose the areas the package covers.", field="areas")
    prices = area_prices(package.clinic)
    per_session = Decimal(0)
    for code in areas:
        price = area_price(prices, code)
        if price is None:
            raise InvalidInput(f"There is no price for {code}: set it on the price list.", field="areas")
        per_session += price
    full = per_session * package.sessions
    total = full - full * package.discount_percent / 100
    return from_decimal(total, package.clinic.currency)


@dataclass(frozen=True)
class Sale:
    client_package: ClientPackage
    invoice: Invoice
    tenders: list[Tender]
    instalments: list[Instalment]

    @property
    def pending(self) -> list[Tender]:
        """Card charges to collect after the transaction commits."""
        return [t for t in self.tenders if t.status == TenderStatus.PENDING]


def sell_package(
    client: Client,
    package: Package,
    *,
    areas: tuple[str, ...],
    actor: Actor,
    now: datetime,
    tenders: list[TenderSpec] | None = None,
    instalments: int = 0,
    key: str | None = None,
) -> Sale:
    """Sell `package` for `areas`. Up front (`instalments` 0): the tenders pay the whole price.
    In instalments (2–12, monthly from today): the tenders, if any, pay the first one; the rest
    are collected from the saved card by the worker or shown as due."""
    member = require_staff(actor, Action.TAKE_PAYMENT, client, objs=[package])
    tenders = list(tenders or [])
    for i, t in enumerate(tenders):
        validate_tender(t, i)
    if not package.is_active:
        raise Conflict("This package is no longer sold.", field="package")
    if instalments and not 2 <= instalments <= MAX_INSTALMENTS:
        raise InvalidInput(f"Instalments: between 2 and {MAX_INSTALMENTS}.", field="instalments")
    areas = tuple(dict.fromkeys(a.strip() for a in areas if a.strip()))
    price = package_price(package, areas)
    if price <= 0:
        raise InvalidInput("The package has no price: check the price list.", field="package")
    with transaction.atomic():
        if key and (
            done := ClientPackage.objects.filter(
                clinic_id=client.clinic_id, invoice__idempotency_key=key
            ).first()
        ):
            return _sale_of(done)
        Client.objects.select_for_update().filter(pk=client.pk).first()  # one till per client at once
        invoice = issue_invoice(
            client,
            [
                LineSpec(
                    kind=ItemKind.PACKAGE,
                    description=f"{package.name}: {package.sessions} sessions ({', '.join(areas)})",
                    unit_price_minor=price,
                    areas=areas,
                )
            ],
            at=now,
            by=member,
            key=key,
        )
        total = invoice.total_minor  # tax included
        settings = settings_for(client.clinic_id)
        cp = ClientPackage.objects.create(
            clinic_id=client.clinic_id,
            client=client,
            package=package,
            name=package.name,
            areas=" ".join(areas),
            sessions_total=package.sessions,
            price_minor=total,
            currency=invoice.currency,
            invoice=invoice,
            sold_at=now,
            sold_by=member,
            expires_at=recurring.add_months(now, settings.package_expiry_months),
        )
        ledger.post(
            client,
            ledger.Posting(Account.CREDIT, EntryKind.CREDIT_ISSUED, total),
            at=now,
            currency=invoice.currency,
            by=member,
            invoice=invoice,
            key=f"package:{cp.pk}:issued",
            memo=cp.name,
        )
        rows: list[Instalment] = []
        if instalments:
            rows = _plan(cp, instalments, member=member, now=now)
            must_pay = rows[0].amount_minor if tenders else 0
        else:
            must_pay = total
        paying = sum(t.amount_minor for t in tenders)
        if paying != must_pay:
            what = "the first instalment" if instalments else "the package"
            raise InvalidInput(
                f"The payments ({paying}) must add up to {what} ({must_pay}).", field="tenders", code="amount"
            )
        made = [
            new_tender(
                client,
                t,
                at=now,
                by=member,
                purpose="package",
                invoice=invoice,
                status=TenderStatus.PENDING if t.method == Method.STRIPE else TenderStatus.SUCCEEDED,
            )
            for t in tenders
        ]
        if rows and made:
            first = rows[0]
            first.status = (
                InstalmentStatus.PAID
                if all(t.status == TenderStatus.SUCCEEDED for t in made)
                else first.status
            )
            first.tender, first.paid_at = made[-1], now if first.status == InstalmentStatus.PAID else None
            first.save(update_fields=["status", "tender", "paid_at"])
    return Sale(cp, invoice, made, rows)


def _plan(cp: ClientPackage, count: int, *, member: Membership | None, now: datetime) -> list[Instalment]:
    plan = InstalmentPlan.objects.create(
        clinic_id=cp.clinic_id,
        client_package=cp,
        client_id=cp.client_id,
        count=count,
        total_minor=cp.price_minor,
        currency=cp.currency,
        created_at=now,
        created_by=member,
    )
    base = cp.price_minor // count
    first = cp.price_minor - base * (count - 1)  # the first takes the remainder
    return [
        Instalment.objects.create(
            clinic_id=cp.clinic_id,
            plan=plan,
            index=i,
            amount_minor=first if i == 0 else base,
            due_at=recurring.add_months(now, i),
        )
        for i in range(count)
    ]


def _sale_of(cp: ClientPackage) -> Sale:
    assert cp.invoice is not None
    rows = list(Instalment.objects.filter(plan__client_package=cp)) if hasattr(cp, "instalment_plan") else []
    return Sale(cp, cp.invoice, list(Tender.objects.filter(invoice=cp.invoice)), rows)


def pay_instalment(instalment: Instalment, spec: TenderSpec, *, actor: Actor, now: datetime) -> Tender:
    """An instalment paid at the desk (cash, terminal, transfer): the whole instalment."""
    plan = instalment.plan
    member = require_staff(actor, Action.TAKE_PAYMENT, plan)
    validate_tender(spec, allow_processor=False)
    if spec.amount_minor != instalment.amount_minor:
        raise InvalidInput("Pay the instalment's whole amount.", field="amount", code="amount")
    with transaction.atomic():
        row = Instalment.objects.select_for_update().get(pk=instalment.pk)
        recurring.settle_by_hand_allowed(row)
        tender = new_tender(
            plan.client,
            spec,
            at=now,
            by=member,
            purpose="instalment",
            invoice=plan.client_package.invoice,
            key=f"instalment:{row.pk}:desk",
        )
        Instalment.objects.filter(pk=row.pk).update(
            status=InstalmentStatus.PAID, tender=tender, paid_at=now, next_attempt_at=None
        )
    return tender


def collect_instalments(now: datetime, *, limit: int = 100) -> int:
    """Worker: charge the saved card for instalments that are due (and their retries)."""
    from django.db.models import Q

    due = (
        Instalment.objects.filter(status=InstalmentStatus.DUE, due_at__lte=now)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in list(due) if recurring.attempt(INSTALMENTS, pk, now) is not None)


# -- balances ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PackageState:
    package: ClientPackage
    used: int
    left: int
    redeemed_minor: int
    unused_minor: int
    paid_minor: int  # money received for it, less refunds
    instalments_due: list[Instalment]


def state(cp: ClientPackage) -> PackageState:
    redemptions = list(cp.redemptions.all())
    redeemed = sum(r.value_minor for r in redemptions)
    due = list(
        Instalment.objects.filter(
            plan__client_package=cp, status__in=[InstalmentStatus.DUE, InstalmentStatus.FAILED]
        ).order_by("index")
    )
    return PackageState(
        cp,
        used=len(redemptions),
        left=cp.sessions_total - len(redemptions),
        redeemed_minor=redeemed,
        unused_minor=cp.price_minor - redeemed,
        paid_minor=_paid(cp),
        instalments_due=due,
    )


def _paid(cp: ClientPackage) -> int:
    if cp.invoice_id is None:
        return 0
    tenders = Tender.objects.filter(invoice=cp.invoice, status=TenderStatus.SUCCEEDED)
    received = int(tenders.aggregate(t=Sum("amount_minor"))["t"] or 0)
    return received - sum(t.amount_minor - refundable(t) for t in tenders)


# -- refund and expiry ---------------------------------------------------------------------------
def refund_amounts(unused_minor: int, redeemed_minor: int, paid_minor: int) -> int:
    """Money back for the unused sessions: their value, but never more than was paid less what
    was used (a package paid in part keeps paying for the sessions taken)."""
    return max(0, min(unused_minor, paid_minor - redeemed_minor))


@dataclass(frozen=True)
class Refund:
    unused_minor: int  # value taken off the package (credit note)
    refunded_minor: int  # money handed back


def refund_unused(
    client_package: ClientPackage, *, actor: Actor, now: datetime, reason: str = "Unused package sessions"
) -> Refund:
    """Owner only. The unused sessions' value leaves the package (a credit note on its invoice
    and out of deferred revenue); the money back is that value, but never more than was paid
    less what was used. Instalments not yet paid are cancelled."""
    require(actor, Action.REFUND, client_package)
    member = membership_of(actor)
    with transaction.atomic():
        cp = ClientPackage.objects.select_for_update().select_related("client").get(pk=client_package.pk)
        if cp.status not in (ClientPackageStatus.ACTIVE,):
            raise Conflict(
                f"The package is {cp.get_status_display().lower()}: nothing to refund.", code="not_active"
            )
        s = state(cp)
        if s.unused_minor <= 0:
            raise Conflict("Every session of this package was used.", code="nothing_unused")
        if Tender.objects.filter(invoice=cp.invoice, status=TenderStatus.PENDING).exists():
            raise Conflict(
                "A card payment for this package is still pending; try again shortly.", code="pending"
            )
        back = refund_amounts(s.unused_minor, s.redeemed_minor, s.paid_minor)
        base = f"package:{cp.pk}:refund"
        ledger.post(
            cp.client,
            ledger.Posting(Account.CREDIT, EntryKind.CREDIT_REFUNDED, -s.unused_minor),
            at=now,
            currency=cp.currency,
            by=member,
            invoice=cp.invoice,
            key=base,
            memo=reason[:200],
        )
        ledger.post(
            cp.client,
            ledger.Posting(Account.RECEIVABLE, EntryKind.CREDIT_NOTE, -s.unused_minor),
            at=now,
            currency=cp.currency,
            by=member,
            invoice=cp.invoice,
            key=f"{base}:note",
            memo=reason[:200],
        )
        _give_back(cp, back, by=member, now=now, reason=reason, key=base)
        Instalment.objects.filter(
            plan__client_package=cp, status__in=[InstalmentStatus.DUE, InstalmentStatus.FAILED]
        ).update(status=InstalmentStatus.CANCELLED, next_attempt_at=None)
        ClientPackage.objects.filter(pk=cp.pk).update(status=ClientPackageStatus.REFUNDED)
    return Refund(s.unused_minor, back)


def _give_back(
    cp: ClientPackage, amount: int, *, by: Membership | None, now: datetime, reason: str, key: str
) -> None:
    """Refund `amount` over the package's payments, latest first; card payments through the
    processor (keyed, so a retry refunds once)."""
    left = amount
    for tender in Tender.objects.filter(invoice=cp.invoice, status=TenderStatus.SUCCEEDED).order_by("-pk"):
        if left <= 0:
            break
        part = min(left, refundable(tender))
        if part <= 0:
            continue
        reference = ""
        if tender.method not in PAID_ELSEWHERE:
            outcome = processor.require_processor(tender.clinic_id).refund(
                tender, part, key=f"{key}:{tender.pk}"
            )
            if not outcome.ok:
                raise Conflict(outcome.message or "The card refund was refused.", code="refund_failed")
            reference = outcome.processor_id
        ledger.post(
            cp.client,
            ledger.Posting(Account.RECEIVABLE, EntryKind.REFUND, part, tender.method),
            at=now,
            currency=cp.currency,
            by=by,
            key=f"{key}:{tender.pk}",
            tender=tender,
            invoice=cp.invoice,
            reference=reference,
            memo=reason[:200],
        )
        events.publish(
            events.PaymentRefunded(clinic_id=cp.clinic_id, tender=tender, amount_minor=part, reason=reason)
        )
        left -= part
    if left:
        raise Conflict("The payments cannot cover this refund.", code="refund_too_large")


def expire_packages(now: datetime, *, limit: int = 200) -> int:
    """Worker: packages past their expiry date lose their unused sessions; the unused value
    leaves deferred revenue (a CREDIT_EXPIRED entry). Once per package (keyed)."""
    expired = 0
    for pk in list(
        ClientPackage.objects.filter(status=ClientPackageStatus.ACTIVE, expires_at__lte=now).values_list(
            "pk", flat=True
        )[:limit]
    ):
        with transaction.atomic():
            cp = ClientPackage.objects.select_for_update().select_related("client").filter(pk=pk).first()
            if cp is None or cp.status != ClientPackageStatus.ACTIVE or cp.expires_at > now:
                continue
            unused = state(cp).unused_minor
            if unused > 0:
                ledger.post(
                    cp.client,
                    ledger.Posting(Account.CREDIT, EntryKind.CREDIT_EXPIRED, -unused),
                    at=now,
                    currency=cp.currency,
                    invoice=cp.invoice,
                    key=f"package:{cp.pk}:expired",
                    memo=f"{cp.name}: expired unused",
                )
            ClientPackage.objects.filter(pk=cp.pk).update(status=ClientPackageStatus.EXPIRED)
            expired += 1
    return expired


def client_package_for(client: Client, pk: int) -> ClientPackage:
    cp = ClientPackage.objects.filter(pk=pk, client=client).first()
    if cp is None:
        raise NotFound("No such package for this client.")
    return cp
