"""The period picker and the Stripe export upload."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from needlepoint.clinic.errors import DomainError
from needlepoint.clinic.payments.reports import MAX_STRIPE_BYTES, Period
from needlepoint.web.forms import HardenedForm

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PeriodForm(HardenedForm):
    first = forms.DateField(widget=DATE, label="From")
    last = forms.DateField(widget=DATE, label="To (included)")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            data["period"] = Period(data["first"], data["last"])
        except DomainError as exc:
            self.add_error("last", exc.message)
        return data


def this_month(today: date) -> Period:
    """The default: the month so far."""
    return Period(today.replace(day=1), today)


class StripeExportForm(PeriodForm):
    file = forms.FileField(
        label="Stripe export (CSV)",
        help_text="Balance or payout reconciliation report downloaded from the Stripe Dashboard.",
    )

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if f.size > MAX_STRIPE_BYTES:
            raise forms.ValidationError("The file is too large (5 MB at most).")
        return f
