"""The owner's payment settings (percent shown, basis points stored) and products with stock."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from needlepoint.clinic.payments.models import PaymentSettings, Product, ProductStock
from tests.clinic.payments.conftest import PayWorld
from tests.conftest import ClinicWorld

pytestmark = pytest.mark.django_db

SETTINGS = {
    "tax_name": "GST",
    "tax_registration": "123-456",
    "prices_include_tax": "",
    "invoice_prefix": "NP-",
    "invoice_footer": "Paid with thanks.",
    "processor": "none",
    "package_expiry_months": "18",
    "treatment_rate": "0",
    "product_rate": "15",
    "package_rate": "5.5",
    "membership_rate": "0",
    "fee_rate": "0",
}


@pytest.mark.parametrize(("role", "status"), [("owner", 200), ("front_desk", 403), ("practitioner", 403)])
def test_only_owners_set_up_payments(client: Any, clinic_a: ClinicWorld, role: str, status: int) -> None:
    client.force_login(clinic_a.users[role])
    for name in ("payment-settings", "product-list", "product-create"):
        assert client.get(reverse(name)).status_code == status


def test_rates_are_typed_in_percent_and_stored_in_basis_points(client: Any, clinic_a: ClinicWorld) -> None:
    client.force_login(clinic_a.users["owner"])
    assert client.post(reverse("payment-settings"), SETTINGS).status_code == 302
    s = PaymentSettings.objects.get(clinic=clinic_a.clinic)
    assert (s.tax_name, s.product_tax_bp, s.package_tax_bp, s.prices_include_tax) == ("GST", 1500, 550, False)
    assert (s.invoice_prefix, s.package_expiry_months) == ("NP-", 18)
    body = client.get(reverse("payment-settings")).content.decode()
    assert 'value="15"' in body and 'value="5.5"' in body
    assert reverse("stripe-settings") in body  # where card payments are connected


def test_a_rate_over_100_percent_is_refused(client: Any, clinic_a: ClinicWorld) -> None:
    client.force_login(clinic_a.users["owner"])
    response = client.post(reverse("payment-settings"), {**SETTINGS, "product_rate": "120"})
    assert response.status_code == 400 and "less than or equal to 100" in response.content.decode()
    assert not PaymentSettings.objects.filter(clinic=clinic_a.clinic, product_tax_bp=12000).exists()


def test_products_are_added_and_restocked(client: Any, clinic_a: ClinicWorld) -> None:
    client.force_login(clinic_a.users["owner"])
    loc = clinic_a.location.pk  # type: ignore[attr-defined]
    data = {"name": "SPF 50", "sku": "SPF-50", "price": "24.50", "is_active": "on", f"stock_{loc}": "12"}
    assert client.post(reverse("product-create"), data).status_code == 302
    product = Product.objects.get(clinic=clinic_a.clinic)
    assert product.price_minor == 2450 and ProductStock.objects.get(product=product).quantity == 12
    edit = reverse("product-edit", args=[product.pk])
    assert 'value="24.50"' in client.get(edit).content.decode()
    assert client.post(edit, {**data, f"stock_{loc}": "4"}).status_code == 302
    assert ProductStock.objects.get(product=product).quantity == 4
    body = client.get(reverse("product-list")).content.decode()
    assert "SPF 50" in body and "£24.50" in body


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"price": "-3"}, "An amount cannot be negative."),
        ({"price": "abc"}, "is not an amount of money"),
        ({"name": "Recovery serum"}, "There is already a product called Recovery serum."),
    ],
)
def test_bad_products_are_refused(client: Any, till: PayWorld, change: dict[str, str], message: str) -> None:
    client.force_login(till.world.users["owner"])
    loc = till.world.location.pk  # type: ignore[attr-defined]
    data = {"name": "SPF 50", "price": "24.50", f"stock_{loc}": "1", **change}
    response = client.post(reverse("product-create"), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert Product.objects.count() == 1  # the world's serum only


def test_another_clinics_product_is_not_found(client: Any, till: PayWorld, clinic_b: ClinicWorld) -> None:
    client.force_login(clinic_b.users["owner"])
    url = reverse("product-edit", args=[till.product.pk])  # type: ignore[attr-defined]
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "Hacked", "price": "1"}).status_code == 404
    assert Product.objects.get(pk=till.product.pk).name == "Recovery serum"  # type: ignore[attr-defined]
