"""The till in real Chromium: a visit booked under a deposit policy, the deposit taken at the
desk, then checkout with a serum off the shelf and a package credit; the invoice PDF is
downloaded and read back with pdftotext."""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest

from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.booking import services as booking
from needlepoint.clinic.booking.models import Appointment, Series
from needlepoint.clinic.payments import ledger
from needlepoint.clinic.payments.models import (
    ClientPackage,
    DepositKind,
    DepositPolicy,
    DepositRequest,
    DepositStatus,
    Invoice,
    Product,
    ProductStock,
)
from needlepoint.clinic.payments.packages import package_price, sell_package
from needlepoint.clinic.payments.tenders import TenderSpec
from needlepoint.clinic.permissions import SystemActor
from needlepoint.clinic.pricing.models import AreaPrice, Package, PriceList
from tests.browser.conftest import screenshot, sign_in
from tests.clinic.booking.conftest import NOW, make_booking_world, spec
from tests.clinic.journey_helpers import draft
from tests.clinic.payments.conftest import AFTER_VISIT
from tests.clinic.payments.helpers import assert_ledger_consistent
from tests.conftest import ClinicWorld

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _booked_at(at: Any) -> Any:
    return mock.patch("needlepoint.clock.now", return_value=at)


def _visit_with_deposit(world: ClinicWorld) -> tuple[Appointment, ClientPackage, Product]:
    """Booked while the appointment type asks a £20 deposit; a plan priced cheeks £120 and
    forehead £80; a 3-session course of cheeks already sold and paid; a serum on the shelf."""
    bw = make_booking_world(world)
    DepositPolicy.objects.create(
        clinic=world.clinic, appointment_type=bw.kind, kind=DepositKind.FIXED, amount_minor=2000
    )
    s = spec(bw)
    with _booked_at(NOW):  # booked ahead (a past booking asks no deposit)
        result, _ = booking.search_series(world.clinic, s, now=NOW)
        series = booking.book_series(
            world.clinic, s, list(result.options[0].sessions), actor=SystemActor(world.clinic.pk, "test")
        )
    visit = series.appointments.order_by("series_index").first()
    assert visit is not None
    assert DepositRequest.objects.get(appointment=visit).status == DepositStatus.DUE
    Series.objects.filter(pk=series.pk).update(plan=draft(world))
    prices = PriceList.objects.create(clinic=world.clinic)
    for area, amount in (("cheeks", "120.00"), ("forehead", "80.00")):
        AreaPrice.objects.create(
            clinic=world.clinic, price_list=prices, area=area, per_session=Decimal(amount)
        )
    course = Package.objects.create(
        clinic=world.clinic, price_list=prices, name="Course of 3", sessions=3, discount_percent=10
    )
    desk: Any = world.memberships["front_desk"]
    sale = sell_package(
        world.client,
        course,
        areas=("cheeks",),
        actor=desk,
        now=AFTER_VISIT - timedelta(days=20),
        tenders=[TenderSpec("card_terminal", package_price(course, ("cheeks",)))],
    )
    serum = Product.objects.create(clinic=world.clinic, name="Recovery serum", price_minor=3500)
    ProductStock.objects.create(clinic=world.clinic, product=serum, location=world.location, quantity=5)
    Appointment.objects.filter(pk=visit.pk).update(status="checked_in")
    return visit, sale.client_package, serum


def test_deposit_then_checkout_with_a_product_and_package_credit(  # type: ignore[no-untyped-def]
    page, clinic_a: ClinicWorld, tmp_path
) -> None:
    visit, package, serum = _visit_with_deposit(clinic_a)
    stack = mock.patch("needlepoint.clock.now", return_value=AFTER_VISIT)
    stack.start()
    try:
        _till(page, clinic_a, visit, package, serum, tmp_path)
    finally:
        stack.stop()


def _till(
    page: Any,
    clinic_a: ClinicWorld,
    visit: Appointment,
    package: ClientPackage,
    serum: Product,
    tmp_path: Any,
) -> None:
    sign_in(page, clinic_a.users[Role.FRONT_DESK])

    # The deposit is due on the booking; the desk takes it in cash.
    page.goto(f"/appointments/{visit.pk}/")
    assert page.locator("[data-deposit=due]").count() >= 1
    page.select_option("#deposit-method", "cash")
    page.click("button:has-text('Record deposit paid')")
    page.wait_for_selector("[data-deposit=paid]")

    # Checkout: untick the forehead, add one serum, use the package for the cheeks.
    page.click("a.button:has-text('Check out')")
    page.wait_for_url(f"**/appointments/{visit.pk}/checkout/")
    page.get_by_label(re.compile("forehead", re.I)).uncheck()
    page.select_option("#id_product_0", str(serum.pk))
    page.select_option("#id_client_package", str(package.pk))
    page.wait_for_selector("#checkout-totals >> text=Package credit")
    page.wait_for_selector("#checkout-totals >> text=Deposit applied")
    due = int(page.locator("[data-due]").get_attribute("data-due") or "-1")
    # serum £35.00 − deposit £20.00 (the cheeks are the package's)
    assert due == 1500
    page.fill("#id_pay_cash", "15.00")
    page.keyboard.press("Tab")  # leaving the field recomputes the total, as typing does
    page.wait_for_selector("[data-remaining='0']")
    screenshot(page, "checkout-desktop")
    page.click("button:has-text('Issue invoice and take payment')")
    page.wait_for_url("**/invoices/*/")
    invoice = Invoice.objects.get(appointment=visit)
    assert page.locator("h1").inner_text() == f"Invoice {invoice.number_text}"
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "invoice-phone")

    with page.expect_download() as dl:
        page.click("a:has-text('Download PDF')")
    pdf = tmp_path / "invoice.pdf"
    dl.value.save_as(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for expected in (invoice.number_text, "Recovery serum", "Package credit", "Deposit applied", "£15.00"):
        assert expected in text, expected
    assert clinic_a.client.last_name in text

    assert ProductStock.objects.get(product=serum).quantity == 4
    assert ledger.balances(clinic_a.client).owed == 0
    assert DepositRequest.objects.get(appointment=visit).status == DepositStatus.APPLIED
    assert_ledger_consistent(clinic_a.client)
