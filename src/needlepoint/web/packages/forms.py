"""Forms of the packages and membership pages: parse and hand over to the payments services."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms

from needlepoint.clinic.clinics.models import Clinic
from needlepoint.clinic.errors import InvalidInput
from needlepoint.clinic.payments.models import Method
from needlepoint.clinic.payments.models_recurring import MembershipPlan
from needlepoint.clinic.payments.money import to_major, to_minor
from needlepoint.clinic.pricing.models import Package
from needlepoint.web.forms import DATE, HardenedForm, HardenedModelForm

METHODS = [
    (Method.CASH, "Cash"),
    (Method.CARD_TERMINAL, "Card terminal"),
    (Method.BANK_TRANSFER, "Bank transfer"),
]
NOT_NOW = "none"


class SellForm(HardenedForm):
    package = forms.ModelChoiceField(queryset=Package.objects.none())
    areas = forms.CharField(max_length=300, help_text="Area codes, e.g. 'face neck'.")
    instalments = forms.IntegerField(
        min_value=0, max_value=12, initial=0, help_text="0: paid in full now; 2–12: monthly from today."
    )
    method = forms.ChoiceField(
        choices=[*METHODS, (NOT_NOW, "Not paid now (instalments only)")],
        help_text="How the full price (or the first instalment) is paid now.",
    )
    reference = forms.CharField(max_length=120, required=False)

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["package"].queryset = Package.objects.for_clinic(clinic).filter(is_active=True)  # type: ignore[attr-defined]

    def clean_areas(self) -> tuple[str, ...]:
        return tuple(a for a in re.split(r"[\s,]+", self.cleaned_data["areas"]) if a)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        n = data.get("instalments")
        if n == 1:
            self.add_error("instalments", "Give 0 (paid in full) or 2 to 12 instalments.")
        if data.get("method") == NOT_NOW and not n:
            self.add_error("method", "A package paid in full is paid now.")
        return data


class PayForm(HardenedForm):
    method = forms.ChoiceField(choices=METHODS)
    reference = forms.CharField(max_length=120, required=False)


class JoinForm(HardenedForm):
    plan = forms.ModelChoiceField(queryset=MembershipPlan.objects.none())

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = MembershipPlan.objects.for_clinic(clinic).filter(is_active=True)  # type: ignore[attr-defined]


class PauseForm(HardenedForm):
    until = forms.DateField(widget=DATE, help_text="Months starting before this day are not charged.")


class CancelForm(HardenedForm):
    override = forms.BooleanField(required=False, label="End it inside the minimum term (owners)")


class PlanForm(HardenedModelForm):
    monthly_fee = forms.CharField(max_length=20, help_text="What the member pays each month, e.g. 99.00")
    discount_percent = forms.DecimalField(
        min_value=Decimal(0), max_value=Decimal(100), decimal_places=2, initial=0, help_text="Off treatments."
    )

    class Meta:
        model = MembershipPlan
        fields = ["name", "included_credits", "min_term_months", "is_active"]

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        if self.instance.pk:
            self.initial["monthly_fee"] = str(to_major(self.instance.monthly_fee_minor, clinic.currency))
            self.initial["discount_percent"] = Decimal(self.instance.discount_bp) / 100

    def clean_monthly_fee(self) -> int:
        try:
            return to_minor(self.cleaned_data["monthly_fee"], self.clinic.currency, field="monthly_fee")
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message) from None

    def apply(self) -> MembershipPlan:
        plan: MembershipPlan = self.instance
        plan.clinic = self.clinic
        plan.monthly_fee_minor = self.cleaned_data["monthly_fee"]
        plan.discount_bp = int(self.cleaned_data["discount_percent"] * 100)
        return plan
