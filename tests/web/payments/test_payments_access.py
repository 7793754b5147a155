"""Every payments route with an id answers 404 for another clinic's object (GET and POST), and
changes nothing there. Registers the routes with tests/web/test_isolation.py's census."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from needlepoint.clinic.payments.models import Invoice, LedgerEntry, Product, Tender
from needlepoint.clinic.payments.tenders import TenderSpec
from tests.clinic.payments.conftest import PayWorld
from tests.web.test_isolation import EXTRA_ROUTES

from .conftest import make_till
from .helpers import checked_out

ROUTES = {
    "checkout": "appointment",
    "checkout-total": "appointment",
    "invoice-detail": "invoice",
    "invoice-pdf": "invoice",
    "invoice-refund": "invoice",
    "client-account": "client",
    "client-account-pay": "client",
    "product-edit": "product",
}
EXTRA_ROUTES.update(ROUTES)

pytestmark = pytest.mark.django_db


def _objects(pw: PayWorld, invoice: Invoice) -> dict[str, Any]:
    return {"appointment": pw.visit, "invoice": invoice, "client": pw.client, "product": pw.product}


def test_another_clinics_payments_are_not_found(client: Any, till: PayWorld, clinic_b: Any) -> None:
    invoice = checked_out(till, TenderSpec("cash", 1000))
    theirs = _objects(till, invoice)
    before = (LedgerEntry.objects.count(), Tender.objects.count(), Invoice.objects.count())
    make_till(clinic_b)
    client.force_login(clinic_b.users["owner"])
    for route, key in ROUTES.items():
        url = reverse(route, kwargs={"pk": theirs[key].pk})
        assert client.get(url).status_code in (404, 405), route
        data = {
            "tender": Tender.objects.get(client=till.client).pk,
            "amount": "1",
            "reason": "x",
            "method": "cash",
        }
        assert client.post(url, {**data, "name": "Hacked", "price": "1"}).status_code == 404, route
    assert (LedgerEntry.objects.count(), Tender.objects.count(), Invoice.objects.count()) == before
    assert Product.objects.get(pk=till.product.pk).name == "Recovery serum"  # type: ignore[attr-defined]


def test_the_day_sheet_offers_check_out_to_the_till_only(client: Any, till: PayWorld) -> None:
    """The visit is done: the front desk sees "Check out", a practitioner does not; once
    invoiced, the link goes."""
    from unittest import mock

    from needlepoint.clinic.booking.models import Appointment
    from tests.clinic.payments.conftest import AFTER_VISIT

    Appointment.objects.filter(pk=till.visit.pk).update(status="completed")  # type: ignore[attr-defined]

    url = reverse("checkout", args=[till.visit.pk])  # type: ignore[attr-defined]
    day = AFTER_VISIT.replace(hour=8)
    with mock.patch("needlepoint.clock.now", return_value=day):
        client.force_login(till.world.users["front_desk"])
        assert url in client.get(reverse("dashboard")).content.decode()
        client.force_login(till.world.users["practitioner"])
        assert url not in client.get(reverse("dashboard")).content.decode()
        checked_out(till, TenderSpec("cash", 1000))
        client.force_login(till.world.users["front_desk"])
        assert url not in client.get(reverse("dashboard")).content.decode()
