"""Forms of the payments pages. Amounts are typed in major units ("49.99") and parsed by
``money.to_minor`` (its refusal is a form error on the field); the services decide the rest."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django import forms

from needlepoint.clinic.errors import DomainError
from needlepoint.clinic.payments import money
from needlepoint.clinic.payments.invoices import LineSpec
from needlepoint.clinic.payments.models import (
    PAID_ELSEWHERE,
    ClientPackage,
    ItemKind,
    Method,
    PaymentSettings,
    Product,
)
from needlepoint.clinic.payments.tenders import TenderSpec
from needlepoint.web.errors import apply_to_form
from needlepoint.web.forms import HardenedForm, HardenedModelForm

#: Product rows on the checkout form (a visit rarely sells more kinds than this).
PRODUCT_ROWS = 3
AMOUNT = {"inputmode": "decimal", "autocomplete": "off", "placeholder": "0.00"}
KINDS_WITH_TAX = [ItemKind.TREATMENT, ItemKind.PRODUCT, ItemKind.PACKAGE, ItemKind.MEMBERSHIP, ItemKind.FEE]


def amount_field(label: str, *, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=20, widget=forms.TextInput(attrs=AMOUNT)
    )


class MoneyForm(HardenedForm):
    """A form with amount fields, parsed in the clinic's currency after the usual cleaning."""

    amount_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency

    def minor(self, name: str) -> int:
        return int(self.cleaned_data.get(f"{name}_minor") or 0)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in self.amount_fields:
            raw = (data.get(name) or "").strip()
            try:
                data[f"{name}_minor"] = money.to_minor(raw, self.currency, field=name) if raw else 0
            except DomainError as exc:
                apply_to_form(self, exc)
                continue
            if data[f"{name}_minor"] < 0:
                self.add_error(name, "An amount cannot be negative.")
        return data


class CheckoutForm(MoneyForm):
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    client_package = forms.ModelChoiceField(
        ClientPackage.objects.none(), required=False, label="Apply a package credit"
    )
    discount = amount_field("Discount")
    discount_reason = forms.CharField(label="Reason for the discount", required=False, max_length=120)
    tip = amount_field("Tip (optional)")
    pay_cash = amount_field("Cash")
    pay_card_terminal = amount_field("Card terminal")
    pay_bank_transfer = amount_field("Bank transfer")
    pay_stripe = amount_field("Card on file")
    reference = forms.CharField(label="Reference (slip or transfer)", required=False, max_length=120)

    PAY_FIELDS = {
        "pay_cash": Method.CASH,
        "pay_card_terminal": Method.CARD_TERMINAL,
        "pay_bank_transfer": Method.BANK_TRANSFER,
        "pay_stripe": Method.STRIPE,
    }

    def __init__(
        self,
        *args: Any,
        suggested: list[LineSpec],
        products: list[tuple[Product, int]],
        packages: list[tuple[ClientPackage, int]],
        card_on_file: bool,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        self.suggested = suggested
        self.products = {p.pk: p for p, _ in products}
        for i, line in enumerate(suggested):
            self.fields[f"treat_{i}"] = forms.BooleanField(
                label=f"{line.description} — {money.format_minor(line.unit_price_minor, self.currency)}",
                required=False,
                initial=True,
            )
        choices = [("", "—")] + [
            (str(p.pk), f"{p.name} — {money.format_minor(p.price_minor, self.currency)} ({stock} in stock)")
            for p, stock in products
        ]
        for j in range(PRODUCT_ROWS):
            self.fields[f"product_{j}"] = forms.TypedChoiceField(
                label=f"Product {j + 1}", choices=choices, required=False, coerce=int, empty_value=None
            )
            self.fields[f"qty_{j}"] = forms.IntegerField(
                label="Quantity", required=False, min_value=1, max_value=999, initial=1
            )
        field = self.fields["client_package"]
        field.queryset = ClientPackage.objects.filter(pk__in=[p.pk for p, _ in packages])  # type: ignore[attr-defined]
        field.label_from_instance = lambda p: f"{p.name} ({dict((k.pk, n) for k, n in packages)[p.pk]} left)"  # type: ignore[attr-defined]
        if not packages:
            del self.fields["client_package"]
        if not card_on_file:
            del self.fields["pay_stripe"]
        self.amount_fields = ("discount", "tip", *[f for f in self.PAY_FIELDS if f in self.fields])

    def treatment_fields(self) -> list[forms.BoundField]:
        return [self[f"treat_{i}"] for i in range(len(self.suggested))]

    def product_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"product_{j}"], self[f"qty_{j}"]) for j in range(PRODUCT_ROWS)]

    def pay_fields(self) -> list[forms.BoundField]:
        return [self[f] for f in self.PAY_FIELDS if f in self.fields]

    def lines(self) -> list[LineSpec]:
        """The visit's lines as ticked and chosen (before the discount)."""
        data = self.cleaned_data
        out = [line for i, line in enumerate(self.suggested) if data.get(f"treat_{i}")]
        for j in range(PRODUCT_ROWS):
            pk = data.get(f"product_{j}")
            if pk is None:
                continue
            product = self.products.get(pk)
            if product is None:
                continue  # choices already refuse it; kept for type narrowing
            out.append(
                LineSpec(
                    kind=ItemKind.PRODUCT,
                    description=product.name,
                    unit_price_minor=product.price_minor,
                    quantity=data.get(f"qty_{j}") or 1,
                    product=product,
                )
            )
        return out

    def tenders(self) -> list[TenderSpec]:
        reference = self.cleaned_data.get("reference", "")
        return [
            TenderSpec(method, self.minor(name), reference if method in PAID_ELSEWHERE else "")
            for name, method in self.PAY_FIELDS.items()
            if name in self.fields and self.minor(name) > 0
        ]


class RefundForm(MoneyForm):
    tender = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    amount = amount_field("Amount to refund", required=True)
    reason = forms.CharField(label="Reason", max_length=200)
    amount_fields = ("amount",)


class AccountPaymentForm(MoneyForm):
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    method = forms.ChoiceField(
        label="Paid by", choices=[(m.value, m.label) for m in Method if m in PAID_ELSEWHERE]
    )
    amount = amount_field("Amount", required=True)
    reference = forms.CharField(label="Reference (slip or transfer)", required=False, max_length=120)
    amount_fields = ("amount",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)


def _percent(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, min_value=Decimal(0), max_value=Decimal(100), decimal_places=2, max_digits=5
    )


class PaymentSettingsForm(HardenedModelForm):
    """Rates are shown in percent (20 = 20 %) and stored in basis points (2000)."""

    treatment_rate = _percent("Tax on treatments (%)")
    product_rate = _percent("Tax on products (%)")
    package_rate = _percent("Tax on packages (%)")
    membership_rate = _percent("Tax on memberships (%)")
    fee_rate = _percent("Tax on fees (%)")

    RATES = {
        "treatment_rate": "treatment_tax_bp",
        "product_rate": "product_tax_bp",
        "package_rate": "package_tax_bp",
        "membership_rate": "membership_tax_bp",
        "fee_rate": "fee_tax_bp",
    }

    class Meta:
        model = PaymentSettings
        fields = [
            "tax_name",
            "tax_registration",
            "prices_include_tax",
            "invoice_prefix",
            "invoice_footer",
            "processor",
            "package_expiry_months",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, column in self.RATES.items():
            self.fields[name].initial = Decimal(getattr(self.instance, column)) / 100

    def save(self, commit: bool = True) -> PaymentSettings:
        obj: PaymentSettings = super().save(commit=False)
        for name, column in self.RATES.items():
            setattr(obj, column, int(self.cleaned_data[name] * 100))
        if commit:
            obj.save()
        return obj


class ProductForm(MoneyForm):
    """A product and its stock at each active location of the clinic."""

    name = forms.CharField(max_length=120)
    sku = forms.CharField(label="SKU", max_length=40, required=False)
    price = amount_field("Price", required=True)
    is_active = forms.BooleanField(label="On sale", required=False, initial=True)
    amount_fields = ("price",)

    def __init__(self, *args: Any, locations: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.locations = locations
        for loc in locations:
            self.fields[f"stock_{loc.pk}"] = forms.IntegerField(
                label=f"In stock at {loc.name}", min_value=0, max_value=1_000_000, initial=0
            )

    def stock_fields(self) -> list[tuple[Any, int]]:
        return [(loc, self.cleaned_data[f"stock_{loc.pk}"]) for loc in self.locations]
