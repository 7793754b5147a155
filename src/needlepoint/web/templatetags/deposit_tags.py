"""Deposit badges (required / paid / forfeited / refunded…) on the appointment page and the day
sheet's arrival rows, and the appointment page's deposit panel."""

from __future__ import annotations

from typing import Any

from django import template

from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.payments import deposits
from needlepoint.clinic.payments.models import PAID_ELSEWHERE, DepositStatus, Method
from needlepoint.clinic.payments.money import format_minor
from needlepoint.clinic.permissions import Action, may

register = template.Library()

#: What the badge says, per deposit state ("none": no badge).
LABELS = {
    DepositStatus.DUE: "Deposit required",
    DepositStatus.PAID: "Deposit paid",
    DepositStatus.APPLIED: "Deposit applied",
    DepositStatus.REFUNDED: "Deposit refunded",
    DepositStatus.FORFEITED: "Deposit forfeited",
    DepositStatus.RELEASED: "Deposit not paid: released",
    DepositStatus.WAIVED: "Deposit waived",
}


@register.inclusion_tag("payments/_deposit_badge.html")
def deposit_badge(appointment: Appointment) -> dict[str, Any]:
    state = deposits.deposit_state(appointment)
    return {
        "state": state,
        "label": LABELS.get(state, ""),  # type: ignore[call-overload]
        "card_needed": deposits.card_needed(appointment),
    }


@register.inclusion_tag("payments/_deposit_panel.html", takes_context=True)
def deposit_panel(context: template.Context, appointment: Appointment) -> dict[str, Any]:
    """What the appointment page shows and offers about money: the deposit, the fee, and the
    buttons this member may use (the services check again)."""
    member = context.get("membership")
    deposit = deposits.deposit_for(appointment)
    state = deposit.status if deposit else deposits.NONE
    can_take = member is not None and may(member, Action.TAKE_PAYMENT, appointment)
    is_owner = member is not None and may(member, Action.REFUND, appointment)
    return {
        "appt": appointment,
        "csrf_token": context.get("csrf_token"),
        "deposit": deposit,
        "state": state,
        "label": LABELS.get(state, ""),  # type: ignore[call-overload]
        "amount": format_minor(deposit.amount_minor, deposit.currency) if deposit else "",
        "holder": deposit.appointment_id if deposit and deposit.appointment_id != appointment.pk else None,
        "methods": [(m.value, m.label) for m in Method if m in PAID_ELSEWHERE],
        "can_record": can_take and state == DepositStatus.DUE,
        "can_waive_forfeit": is_owner and state == DepositStatus.FORFEITED,
        "can_waive_fee": is_owner and bool(appointment.fee_due),
        "card_needed": deposits.card_needed(appointment),
    }
