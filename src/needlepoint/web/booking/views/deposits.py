"""Deposits on the appointment page (record one paid elsewhere, owners waive a forfeit or a
fee) and the owner's deposit and cancellation policy per appointment type (/settings/deposits/).
The services decide who may do what; these views parse, hand over and say what happened."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from needlepoint import clock
from needlepoint.clinic.booking.models import AppointmentType
from needlepoint.clinic.errors import DomainError
from needlepoint.clinic.payments import cancellation, deposits
from needlepoint.clinic.payments.models import PAID_ELSEWHERE, DepositKind, DepositPolicy, Method
from needlepoint.clinic.payments.money import format_minor, to_major, to_minor
from needlepoint.clinic.permissions import Action
from needlepoint.web.access import OWNER_ONLY, clinic_of, membership_of, staff_view
from needlepoint.web.appointment_access import staff_appointment
from needlepoint.web.forms import HardenedForm

METHOD_CHOICES = [(m.value, m.label) for m in Method if m in PAID_ELSEWHERE]


class DepositPaidForm(HardenedForm):
    method = forms.ChoiceField(choices=METHOD_CHOICES, label="Paid by")
    reference = forms.CharField(max_length=120, required=False, label="Reference (slip, transfer)")


class WaiveForm(HardenedForm):
    reason = forms.CharField(max_length=150, label="Why")


@require_POST
@staff_view(action=Action.TAKE_PAYMENT)
def deposit_paid(request: HttpRequest, pk: int) -> HttpResponse:
    appt = staff_appointment(request, pk, "record deposit")
    form = DepositPaidForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose how the deposit was paid.")
        return redirect("appointment-detail", pk=appt.pk)
    try:
        deposit = deposits.record_deposit_paid(
            appt,
            form.cleaned_data["method"],
            actor=membership_of(request),
            now=clock.now(),
            reference=form.cleaned_data["reference"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("appointment-detail", pk=appt.pk)
    messages.success(
        request,
        f"Deposit of {format_minor(deposit.amount_minor, deposit.currency)} recorded: booking confirmed.",
    )
    return redirect("appointment-detail", pk=appt.pk)


def _waive(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    appt = staff_appointment(request, pk, f"waive {what}")
    form = WaiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Say why the {what} is waived.")
        return redirect("appointment-detail", pk=appt.pk)
    waive = cancellation.waive_fee if what == "fee" else cancellation.waive_forfeit
    try:
        waive(appt, actor=membership_of(request), now=clock.now(), reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("appointment-detail", pk=appt.pk)
    done = "Fee waived." if what == "fee" else "Forfeit waived: the deposit goes back to the client."
    messages.success(request, done)
    return redirect("appointment-detail", pk=appt.pk)


@require_POST
@staff_view(action=Action.REFUND)
def waive_fee(request: HttpRequest, pk: int) -> HttpResponse:
    return _waive(request, pk, "fee")


@require_POST
@staff_view(action=Action.REFUND)
def waive_forfeit(request: HttpRequest, pk: int) -> HttpResponse:
    return _waive(request, pk, "forfeit")


# -- settings -------------------------------------------------------------------------------------
class DepositPolicyForm(HardenedForm):
    kind = forms.ChoiceField(choices=DepositKind.choices, label="Deposit")
    amount = forms.DecimalField(required=False, min_value=0, decimal_places=3, label="Fixed amount")
    percent = forms.DecimalField(
        required=False, min_value=0, max_value=100, decimal_places=2, label="Percentage of the price"
    )
    card_required = forms.BooleanField(required=False, label="A card must be on file")
    pay_within_hours = forms.IntegerField(
        min_value=1, max_value=168, initial=24, label="Unpaid deposit releases the booking after (hours)"
    )
    notice_hours = forms.IntegerField(
        required=False, min_value=0, max_value=8760, label="Notice period (hours; blank: the clinic's)"
    )
    late_fee = forms.DecimalField(
        required=False, min_value=0, decimal_places=3, label="Late-cancellation fee (blank: the clinic's)"
    )
    no_show_fee = forms.DecimalField(required=False, min_value=0, decimal_places=3, label="No-show fee")

    def __init__(self, *args: object, currency: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency

    @classmethod
    def initial_for(cls, policy: DepositPolicy | None, currency: str) -> dict[str, object]:
        if policy is None:
            return {"kind": DepositKind.NONE, "pay_within_hours": 24}
        return {
            "kind": policy.kind,
            "amount": to_major(policy.amount_minor, currency) if policy.amount_minor else None,
            "percent": Decimal(policy.percent_bp) / 100 if policy.percent_bp else None,
            "card_required": policy.card_required,
            "pay_within_hours": policy.pay_within_hours,
            "notice_hours": policy.notice_hours,
            "late_fee": to_major(policy.late_fee_minor, currency)
            if policy.late_fee_minor is not None
            else None,
            "no_show_fee": to_major(policy.no_show_fee_minor, currency) if policy.no_show_fee_minor else None,
        }

    def _minor(self, name: str) -> int | None:
        value = self.cleaned_data.get(name)
        return None if value is None else to_minor(value, self.currency, field=name)

    def values(self) -> dict[str, object]:
        d = self.cleaned_data
        return {
            "kind": d["kind"],
            "amount_minor": self._minor("amount") or 0,
            "percent_bp": int((d.get("percent") or Decimal(0)) * 100),
            "card_required": d["card_required"],
            "pay_within_hours": d["pay_within_hours"],
            "notice_hours": d.get("notice_hours"),
            "late_fee_minor": self._minor("late_fee"),
            "no_show_fee_minor": self._minor("no_show_fee") or 0,
        }


@staff_view(*OWNER_ONLY)
def deposit_settings(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    rows = [
        {"type": t, "policy": p, "summary": _summary(p, clinic.currency)}
        for t, p in deposits.policies(clinic.pk)
    ]
    return render(request, "payments/deposit_settings.html", {"rows": rows})


@staff_view(*OWNER_ONLY)
def deposit_policy_edit(request: HttpRequest, type_pk: int) -> HttpResponse:
    clinic = clinic_of(request)
    kind = AppointmentType.objects.for_clinic(clinic).filter(pk=type_pk).first()
    if kind is None:
        raise Http404
    policy = DepositPolicy.objects.filter(appointment_type=kind).first()
    form = DepositPolicyForm(
        request.POST or None,
        currency=clinic.currency,
        initial=DepositPolicyForm.initial_for(policy, clinic.currency),
    )
    if request.method == "POST" and form.is_valid():
        try:
            deposits.save_policy(kind, form.values(), actor=membership_of(request))
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"Deposit policy for {kind.name} saved.")
            return redirect("deposit-settings")
    status = 400 if form.errors else 200
    return render(request, "payments/deposit_policy_form.html", {"form": form, "type": kind}, status=status)


def _summary(policy: DepositPolicy | None, currency: str) -> dict[str, str]:
    if policy is None:
        return {
            "deposit": "none",
            "card": "no",
            "notice": "clinic's",
            "late_fee": "clinic's",
            "no_show": "none",
        }
    deposit = {
        DepositKind.NONE: "none",
        DepositKind.FIXED: format_minor(policy.amount_minor, currency),
        DepositKind.PERCENT: f"{Decimal(policy.percent_bp) / 100:g} %",
    }[DepositKind(policy.kind)]
    return {
        "deposit": deposit,
        "card": "yes" if policy.card_required else "no",
        "notice": f"{policy.notice_hours} h" if policy.notice_hours is not None else "clinic's",
        "late_fee": format_minor(policy.late_fee_minor, currency)
        if policy.late_fee_minor is not None
        else "clinic's",
        "no_show": format_minor(policy.no_show_fee_minor, currency) if policy.no_show_fee_minor else "none",
    }
