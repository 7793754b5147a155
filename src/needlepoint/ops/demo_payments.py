"""Demo payments, in "paid elsewhere" mode (no Stripe keys needed): products on the shelf at each
location, packages sold and partly redeemed, today's completed visits checked out (a day of
takings by cash and card terminal, some with a serum), and one deposit held for a coming visit.

Idempotent: a visit is checked out once (one invoice per visit), a client's demo package is sold
once, stock is set only when first created, and the deposit is taken only when none is held.
Runs after the rest of the demo (it needs today's completed visits)."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction

from needlepoint import clock
from needlepoint.clinic.accounts.models import Membership, Role
from needlepoint.clinic.booking.models import Appointment, AppointmentStatus, AppointmentType
from needlepoint.clinic.clinics.models import Clinic, Location
from needlepoint.clinic.errors import DomainError
from needlepoint.clinic.payments.checkout import CheckoutSpec, check_out, suggested_lines
from needlepoint.clinic.payments.invoices import LineSpec
from needlepoint.clinic.payments.models import (
    ClientPackage,
    DepositKind,
    DepositPolicy,
    DepositRequest,
    DepositStatus,
    ItemKind,
    Method,
    Processor,
    Product,
    ProductStock,
)
from needlepoint.clinic.payments.packages import package_price, sell_package
from needlepoint.clinic.payments.selectors import settings_for
from needlepoint.clinic.payments.tenders import TenderSpec, new_tender
from needlepoint.clinic.pricing.models import Package
from needlepoint.clinic.pricing.selectors import price_list_of

PRODUCTS = [  # name, sku, price (minor units), stock per location
    ("Recovery serum", "RS-30", 3500, 24),
    ("Mineral sunscreen SPF 50", "SPF-50", 2800, 30),
    ("Hyaluronic acid serum", "HA-30", 4200, 12),
]
PACKAGE_NAME = "Course of 3"
PACKAGE_CLIENTS = 3
FALLBACK_PRICE = 20000  # a visit with no plan priced: one face session


def load_demo_payments(clinic: Clinic, *, now: datetime | None = None) -> None:
    now = now or clock.now()
    desk = (
        Membership.objects.for_clinic(clinic)
        .filter(role=Role.FRONT_DESK, is_active=True)
        .order_by("pk")
        .first()
    )
    if desk is None:
        return
    settings = settings_for(clinic)
    if not settings.tax_registration:
        settings.processor = Processor.NONE
        settings.tax_registration = "GB 123 4567 89"
        settings.invoice_footer = "Thank you. Payment is due at the end of each visit."
        settings.save(update_fields=["processor", "tax_registration", "invoice_footer"])
    products = _products(clinic)
    _packages(clinic, desk, now)
    _todays_takings(clinic, desk, products, now)
    _deposit(clinic, desk, now)


def _products(clinic: Clinic) -> list[Product]:
    out = []
    for name, sku, price, stock in PRODUCTS:
        product, _ = Product.objects.update_or_create(
            clinic=clinic, name=name, defaults={"sku": sku, "price_minor": price, "is_active": True}
        )
        for location in Location.objects.for_clinic(clinic).filter(is_active=True):
            ProductStock.objects.get_or_create(
                clinic=clinic, product=product, location=location, defaults={"quantity": stock}
            )
        out.append(product)
    return out


def _lines(appt: Appointment) -> list[LineSpec]:
    return suggested_lines(appt) or [
        LineSpec(kind=ItemKind.TREATMENT, description="Microneedling: face", unit_price_minor=FALLBACK_PRICE)
    ]


def _packages(clinic: Clinic, desk: Membership, now: datetime) -> None:
    """Sell a course to a few clients who have a completed visit, and redeem one credit on it."""
    visits = (
        Appointment.objects.for_clinic(clinic)
        .filter(status=AppointmentStatus.COMPLETED, end__lte=now, invoices__isnull=True)
        .select_related("client", "clinic", "location", "series__plan")
        .order_by("start", "pk")
    )
    sold = ClientPackage.objects.for_clinic(clinic).filter(name=PACKAGE_NAME).count()
    seen: set[int] = set()
    for appt in visits:
        if sold >= PACKAGE_CLIENTS:
            return
        if appt.client_id in seen:
            continue
        seen.add(appt.client_id)
        _sell_and_redeem(appt, desk, at=min(appt.end, now))
        sold += 1


def _course(clinic: Clinic) -> Package | None:
    """The clinic's "Course of 3" on its price list (10 % off three sessions), made once."""
    prices = price_list_of(clinic)
    if prices is None:
        return None
    course, _ = Package.objects.get_or_create(
        clinic=clinic,
        price_list=prices,
        name=PACKAGE_NAME,
        defaults={"sessions": 3, "discount_percent": Decimal(10)},
    )
    return course


def _sell_and_redeem(appt: Appointment, desk: Membership, *, at: datetime) -> None:
    """Sold on the terminal through the same service as the till, then the visit checked out
    with one credit of it."""
    course = _course(appt.clinic)
    lines = _lines(appt)
    areas = tuple(dict.fromkeys(a for line in lines for a in line.areas)) or ("cheeks",)
    if course is None:
        return
    sale_at = at - timedelta(minutes=10)
    with suppress(DomainError):  # an area without a price: no course for this client
        price = package_price(course, areas)
        sale = sell_package(
            appt.client,
            course,
            areas=areas,
            actor=desk,
            now=sale_at,
            tenders=[TenderSpec(Method.CARD_TERMINAL, price)],
        )
        # A visit the package cannot pay for stays open; the course is still sold.
        check_out(appt, CheckoutSpec(lines, client_package_id=sale.client_package.pk), actor=desk, now=at)


def _todays_takings(clinic: Clinic, desk: Membership, products: list[Product], now: datetime) -> None:
    """Check out every visit completed on the latest working day at each location (today once
    sessions are done; started before opening, the last day the clinic worked): cash or
    terminal, every third with a serum."""
    for location in Location.objects.for_clinic(clinic).filter(is_active=True):
        zone = location.timezone
        done = Appointment.objects.for_clinic(clinic).filter(
            location=location, status=AppointmentStatus.COMPLETED, end__lte=now
        )
        latest = done.order_by("-start").first()
        if latest is None:
            continue
        day = clock.local_date(latest.start, zone)  # invoiced or not: a second run picks the same day
        visits = (
            done.filter(invoices__isnull=True, start__gte=latest.start - timedelta(days=1))
            .select_related("client", "clinic", "location", "series__plan")
            .order_by("start", "pk")
        )
        for i, appt in enumerate(v for v in visits if clock.local_date(v.start, zone) == day):
            lines = _lines(appt)
            if i % 3 == 0 and products:
                p = products[i % len(products)]
                lines.append(
                    LineSpec(
                        kind=ItemKind.PRODUCT, description=p.name, unit_price_minor=p.price_minor, product=p
                    )
                )
            total = _total(clinic, lines)
            method = Method.CASH if i % 2 else Method.CARD_TERMINAL
            try:
                check_out(
                    appt,
                    CheckoutSpec(lines, [TenderSpec(method, total)]),
                    actor=desk,
                    now=min(appt.end + timedelta(minutes=5), now),
                )
            except DomainError:
                continue  # out of stock after many runs, a deposit larger than the visit…: leave it open


def _total(clinic: Clinic, lines: list[LineSpec]) -> int:
    from needlepoint.clinic.payments.tax import line_tax

    s = settings_for(clinic)
    return sum(
        line_tax(line.amount, s.rate_for(line.kind), inclusive=s.prices_include_tax).gross for line in lines
    )


def _deposit(clinic: Clinic, desk: Membership, now: datetime) -> None:
    # From now on a face session asks a £50 deposit at booking (what the till and the day sheet
    # show); the bookings already made keep the one deposit taken below.
    face = AppointmentType.objects.for_clinic(clinic).filter(is_active=True).order_by("pk").first()
    if face is not None:
        DepositPolicy.objects.get_or_create(
            appointment_type=face,
            defaults={"clinic": clinic, "kind": DepositKind.FIXED, "amount_minor": 5000},
        )
    held = DepositRequest.objects.for_clinic(clinic).filter(
        status=DepositStatus.PAID, appointment__start__gt=now
    )
    if held.exists():
        return
    appt = (
        Appointment.objects.for_clinic(clinic)
        .filter(status=AppointmentStatus.BOOKED, start__gt=now + timedelta(days=1), deposit__isnull=True)
        .select_related("client", "clinic")
        .order_by("start", "pk")
        .first()
    )
    if appt is None:
        return
    with transaction.atomic():
        deposit = DepositRequest.objects.create(
            clinic=clinic,
            appointment=appt,
            client=appt.client,
            amount_minor=5000,
            currency=clinic.currency,
            due_by=now + timedelta(hours=24),
            created_at=now,
        )
        tender = new_tender(
            appt.client,
            TenderSpec(Method.CARD_TERMINAL, 5000),
            at=now,
            by=desk,
            purpose="deposit",
            appointment=appt,
        )
        DepositRequest.objects.filter(pk=deposit.pk).update(
            status=DepositStatus.PAID, tender=tender, settled_at=now
        )
