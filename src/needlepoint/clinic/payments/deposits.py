"""Deposits: what a booking asks for, when it counts as confirmed, how it is paid, and the worker
step that releases bookings whose deposit never came.

A single appointment carries its own deposit; a series carries one, on its first session (the
session checkout applies it to). Every other session of the series asks that one for its state.
The money goes through tenders (purpose "deposit" → the DEPOSIT account); the DepositRequest row
only says where the deposit stands, so the ledger stays the one record of amounts.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction

from needlepoint import clock
from needlepoint.clinic.booking.models import Appointment, AppointmentStatus, AppointmentType
from needlepoint.clinic.errors import Conflict, InvalidInput
from needlepoint.clinic.permissions import (
    Action,
    Actor,
    SystemActor,
    is_client,
    membership_of,
    require,
    require_staff,
)
from needlepoint.clinic.pricing.services import price_of_plan

from . import processor
from .models import (
    PAID_ELSEWHERE,
    DepositKind,
    DepositPolicy,
    DepositRequest,
    DepositStatus,
    Method,
    Tender,
    TenderStatus,
)
from .money import from_decimal, percent_of
from .tenders import TenderSpec, new_tender

log = logging.getLogger(__name__)

#: deposit_state() of an appointment that needs no deposit.
NONE = "none"
#: States in which a booking counts as confirmed.
CONFIRMED = frozenset({NONE, DepositStatus.PAID, DepositStatus.APPLIED, DepositStatus.WAIVED})


def policy_for(appointment: Appointment) -> DepositPolicy | None:
    return DepositPolicy.objects.filter(appointment_type_id=appointment.appointment_type_id).first()


def holder(appointment: Appointment) -> Appointment:
    """The appointment that carries the deposit: a series' first session, else itself."""
    if appointment.series_id is None or not appointment.series_index:
        return appointment
    first = Appointment.objects.filter(series_id=appointment.series_id, series_index=0).first()
    return first or appointment


def price_minor(appointment: Appointment) -> int | None:
    """What the booking costs, as pricing computes it: a series is its plan's price (the quote's
    total, every session together); a lone visit has no plan, so no price (None)."""
    series = appointment.series if appointment.series_id else None
    plan = series.plan if series is not None and series.plan_id else None
    if plan is None:
        return None
    price = price_of_plan(plan)
    return from_decimal(price.amount, appointment.clinic.currency) if price else None


def amount_for(appointment: Appointment, policy: DepositPolicy | None = None) -> int:
    """The deposit the booking asks for, in minor units (0: none). A percentage of an unknown
    price asks for nothing rather than guess."""
    policy = policy if policy is not None else policy_for(appointment)
    if policy is None or policy.kind == DepositKind.NONE:
        return 0
    if policy.kind == DepositKind.FIXED:
        return int(policy.amount_minor)
    price = price_minor(holder(appointment))
    return percent_of(price, policy.percent_bp) if price else 0


def deposit_for(appointment: Appointment) -> DepositRequest | None:
    return DepositRequest.objects.filter(appointment=holder(appointment)).first()


def deposit_state(appointment: Appointment) -> str:
    """ "none", or the DepositStatus of the booking's deposit (the series' one for a series)."""
    deposit = deposit_for(appointment)
    return deposit.status if deposit is not None else NONE


def card_needed(appointment: Appointment) -> bool:
    """The appointment type asks for a card on file (for late and no-show fees), the clinic
    takes cards, and the client has none saved yet. In "paid elsewhere" mode there is no card
    to keep, so the requirement cannot apply."""
    policy = policy_for(appointment)
    if policy is None or not policy.card_required:
        return False
    cards = processor.processor_for(appointment.clinic_id)
    return cards is not None and not cards.has_card(int(appointment.client_id))


def is_confirmed(appointment: Appointment) -> bool:
    """A booking counts as confirmed when its deposit is paid (or none is needed) and, where
    the appointment type asks for one, the client has a card on file."""
    return deposit_state(appointment) in CONFIRMED and not card_needed(appointment)


def request_deposit(appointment: Appointment, *, now: datetime) -> DepositRequest | None:
    """Ask for the deposit of a new booking (the AppointmentBooked subscriber). Only the holder
    asks; a second call for the same booking returns the request already made."""
    if holder(appointment).pk != appointment.pk or appointment.start <= now:
        return None
    if (existing := DepositRequest.objects.filter(appointment=appointment).first()) is not None:
        return existing
    policy = policy_for(appointment)
    amount = amount_for(appointment, policy)
    if policy is None or amount <= 0:
        return None
    # Never hold the slot past the visit itself: a booking made late is due before it starts.
    due_by = min(now + timedelta(hours=policy.pay_within_hours), appointment.start)
    return DepositRequest.objects.create(
        clinic_id=appointment.clinic_id,
        appointment=appointment,
        client_id=appointment.client_id,
        amount_minor=amount,
        currency=appointment.clinic.currency,
        due_by=due_by,
        created_at=now,
    )


def _due_deposit(appointment: Appointment) -> DepositRequest:
    found = deposit_for(appointment)
    if found is None:
        raise Conflict("This booking needs no deposit.", code="no_deposit")
    deposit = DepositRequest.objects.select_for_update().get(pk=found.pk)
    if deposit.status != DepositStatus.DUE:
        raise Conflict(f"The deposit is {deposit.get_status_display().lower()}.", code="deposit_not_due")
    return deposit


def record_deposit_paid(
    appointment: Appointment, method: str, *, actor: Actor, now: datetime, reference: str = ""
) -> DepositRequest:
    """The front desk took the deposit elsewhere (cash, terminal, transfer): a deposit tender,
    settled at once into the DEPOSIT account; the booking is confirmed."""
    member = require_staff(actor, Action.TAKE_PAYMENT, appointment)
    if method not in PAID_ELSEWHERE:
        raise InvalidInput(f"'{method}' is not a way to record a deposit here.", field="method")
    with transaction.atomic():
        deposit = _due_deposit(appointment)
        new_tender(
            deposit.client,
            TenderSpec(method, deposit.amount_minor, reference),
            at=now,
            by=member,
            purpose="deposit",
            appointment=deposit.appointment,
            key=f"deposit:{deposit.pk}:paid",
        )
        # settle() published PaymentRecorded, whose subscriber marked the deposit paid.
        deposit.refresh_from_db()
        return deposit


def pay_deposit_with_card(
    appointment: Appointment, *, actor: Actor, now: datetime, off_session: bool = False
) -> processor.ChargeOutcome:
    """Charge the deposit to the client's saved card. Declined or SCA needed: the deposit stays
    due (the tender is failed, PaymentFailed is published); "unknown" (timeout, 5xx): the tender
    stays pending for the worker to reconcile, the deposit stays due until it settles."""
    require(actor, Action.PAY_ONLINE if is_client(actor) else Action.TAKE_PAYMENT, appointment)
    proc = processor.require_processor(appointment.clinic_id)
    if not proc.has_card(appointment.client_id):
        raise Conflict("There is no card on file for this client.", code="no_card")
    with transaction.atomic():
        deposit = _due_deposit(appointment)
        if Tender.objects.filter(
            appointment_id=deposit.appointment_id, purpose="deposit", status=TenderStatus.PENDING
        ).exists():
            raise Conflict("A card payment of this deposit is still being processed.", code="pending")
        tender = new_tender(
            deposit.client,
            TenderSpec(Method.STRIPE, deposit.amount_minor),
            at=now,
            by=membership_of(actor),
            purpose="deposit",
            appointment=deposit.appointment,
            status=TenderStatus.PENDING,
        )
        DepositRequest.objects.filter(pk=deposit.pk).update(tender=tender)
    # The processor is called after the tender is committed: its pk is the idempotency key.
    with transaction.atomic():
        return processor.collect(tender, off_session=off_session)


def mark_paid(tender: Tender, *, at: datetime) -> DepositRequest | None:
    """A deposit tender succeeded (front desk, card, webhook, worker reconcile): the deposit of
    its appointment is paid. Subscribed to PaymentRecorded."""
    if tender.purpose != "deposit" or tender.appointment_id is None:
        return None
    deposit = DepositRequest.objects.select_for_update().filter(appointment_id=tender.appointment_id).first()
    if deposit is None or deposit.status not in (DepositStatus.DUE, DepositStatus.RELEASED):
        return None
    if tender.amount_minor < deposit.amount_minor:
        return None
    # A deposit that arrives after the hold ran out is still the client's money: it is held,
    # and staff see it (paid) on a released booking and refund or rebook.
    DepositRequest.objects.filter(pk=deposit.pk).update(
        status=DepositStatus.PAID, tender=tender, settled_at=at
    )
    deposit.refresh_from_db()
    return deposit


def release_expired(*, now: datetime | None = None, limit: int = 50) -> int:
    """Worker step: unpaid deposits past their hold release their booking (the whole series
    for a series' deposit). Each in its own transaction; returns how many were released."""
    now = now or clock.now()
    due = list(
        DepositRequest.objects.filter(status=DepositStatus.DUE, due_by__lte=now)
        .order_by("due_by")
        .values_list("pk", flat=True)[:limit]
    )
    released = 0
    for pk in due:
        try:
            released += _release(pk, now=now)
        except Exception:  # one bad row must not stop the others; it is retried next round
            log.exception("deposits: releasing deposit %s failed", pk)
    return released


def _release(pk: int, *, now: datetime) -> int:
    from needlepoint.clinic.booking.services import BookingError
    from needlepoint.clinic.booking.services.changes import cancel_as_part_of

    with transaction.atomic():
        deposit = (
            DepositRequest.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=pk, status=DepositStatus.DUE, due_by__lte=now)
            .select_related("appointment")
            .first()
        )
        if deposit is None:
            return 0
        if Tender.objects.filter(
            appointment_id=deposit.appointment_id, purpose="deposit", status=TenderStatus.PENDING
        ).exists():
            return 0  # a card answer is outstanding: reconcile first, release after
        DepositRequest.objects.filter(pk=pk).update(status=DepositStatus.RELEASED, settled_at=now)
        appt = deposit.appointment
        sessions = (
            list(Appointment.objects.filter(series_id=appt.series_id).order_by("series_index"))
            if appt.series_id
            else [appt]
        )
        actor = SystemActor(appt.clinic_id, "deposits")
        for session in sessions:
            if session.status != AppointmentStatus.BOOKED or session.start <= now:
                continue
            try:
                cancel_as_part_of(session, actor=actor, reason="deposit not paid in time", now=now)
            except BookingError:
                log.warning("deposits: could not release appointment %s", session.pk)
        return 1


def policies(clinic_id: int) -> list[tuple[AppointmentType, DepositPolicy | None]]:
    """Every appointment type of the clinic with its deposit policy (None: none set)."""
    by_type = {p.appointment_type_id: p for p in DepositPolicy.objects.filter(clinic_id=clinic_id)}
    types = AppointmentType.objects.filter(clinic_id=clinic_id).order_by("-is_active", "name")
    return [(t, by_type.get(t.pk)) for t in types]


def save_policy(
    appointment_type: AppointmentType, values: dict[str, object], *, actor: Actor
) -> DepositPolicy:
    """Set a type's deposit and cancellation policy (owners). `values`: DepositPolicy fields."""
    require(actor, Action.MANAGE_CLINIC, appointment_type)
    kind = values.get("kind", DepositKind.NONE)
    if kind == DepositKind.FIXED and not values.get("amount_minor"):
        raise InvalidInput("A fixed deposit needs an amount.", field="amount")
    if kind == DepositKind.PERCENT and not 0 < int(values.get("percent_bp") or 0) <= 10000:  # type: ignore[call-overload]
        raise InvalidInput("A percentage deposit needs a percentage between 0 and 100.", field="percent")
    policy, _ = DepositPolicy.objects.update_or_create(
        appointment_type=appointment_type, defaults={"clinic_id": appointment_type.clinic_id, **values}
    )
    return policy
