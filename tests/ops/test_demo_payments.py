"""The demo in "paid elsewhere" mode: products on the shelf, packages sold and partly redeemed,
today's completed visits checked out (a day of takings), a deposit held; running it again
changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from needlepoint import clock
from needlepoint.clinic.accounts.models import Membership, Role
from needlepoint.clinic.booking.models import Appointment, AppointmentStatus
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Clinic, Location
from needlepoint.clinic.payments import reports
from needlepoint.clinic.payments.models import (
    ClientPackage,
    DepositRequest,
    DepositStatus,
    Invoice,
    LedgerEntry,
    PaymentSettings,
    ProductStock,
    Tender,
)
from needlepoint.ops.demo import load_demo
from tests.clinic.payments.helpers import assert_ledger_consistent

AT = datetime(2027, 3, 7, 16, 10, tzinfo=UTC)  # late afternoon in London, the morning in New York


@pytest.mark.django_db
def test_the_demo_has_a_day_of_takings_packages_and_a_deposit() -> None:
    with clock.frozen(AT):
        load_demo(client_count=60)
    clinic = Clinic.objects.get(slug="needlepoint-demo")
    assert PaymentSettings.objects.get(clinic=clinic).processor == "none"
    assert (
        ProductStock.objects.filter(clinic=clinic).count()
        == 3 * Location.objects.filter(clinic=clinic).count()
    )
    london = Location.objects.filter(clinic=clinic).order_by("pk").first()
    assert london is not None
    zone = ZoneInfo(london.timezone)
    done_today = [
        a
        for a in Appointment.objects.filter(location=london, status=AppointmentStatus.COMPLETED)
        if a.start.astimezone(zone).date() == AT.astimezone(zone).date()
    ]
    assert done_today and all(Invoice.objects.filter(appointment=a).exists() for a in done_today)
    owner = Membership.objects.get(clinic=clinic, role=Role.OWNER)
    today = AT.astimezone(zone).date()
    takings = reports.takings(clinic, reports.Period(today, today), actor=owner)
    assert sum(r.amount_minor for r in takings if r.location_id == london.pk) > 0
    assert {r.method for r in takings} >= {"Cash", "Card terminal"}
    packages = list(ClientPackage.objects.filter(clinic=clinic))
    assert packages and all(0 < p.redemptions.count() < p.sessions_total for p in packages)
    deferred = reports.deferred_revenue(clinic, reports.Period(today, today), actor=owner)
    assert deferred.total_minor > 0 and deferred.packages
    held = DepositRequest.objects.filter(clinic=clinic, status=DepositStatus.PAID, appointment__start__gt=AT)
    assert held.count() == 1

    counts = (Invoice.objects.count(), LedgerEntry.objects.count(), Tender.objects.count(), len(packages))
    with clock.frozen(AT):
        load_demo(client_count=60)
    assert counts == (
        Invoice.objects.count(),
        LedgerEntry.objects.count(),
        Tender.objects.count(),
        ClientPackage.objects.count(),
    )
    for client in Client.objects.filter(ledger_entries__isnull=False).distinct():
        assert_ledger_consistent(client)
