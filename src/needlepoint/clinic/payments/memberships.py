"""Monthly memberships: joining, the worker's monthly charge with retries and the "card failed"
workflow, paying a month at the desk, pausing, cancelling within the minimum term, and what a
membership gives at checkout (included sessions or a discount).

Each month is one MembershipCharge (unique per membership and period: billing twice in a month
charges once) with its own invoice; its card tender pays that invoice."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q

from needlepoint.clinic import events
from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.errors import Conflict, InvalidInput, NotAllowed, NotFound
from needlepoint.clinic.permissions import Action, Actor, require, require_staff

from . import recurring
from .invoices import LineSpec, issue_invoice
from .models import ItemKind, Tender
from .models_recurring import (
    LIVE,
    ChargeStatus,
    ClientMembership,
    MembershipCharge,
    MembershipPlan,
    MembershipSessionUse,
    MembershipStatus,
)
from .money import percent_of
from .selectors import settings_for
from .tax import line_tax
from .tenders import TenderSpec, new_tender, validate_tender

MAX_PAUSE_MONTHS = 3

CHARGES = recurring.Due(
    model=MembershipCharge,
    purpose="membership_charge",  # each try; "membership" in PaymentFailed means: given up
    client_of=lambda c: c.membership.client,
    invoice_of=lambda c: c.invoice,
    due_at_of=lambda c: c.period_start,
    key_of=lambda c: f"membership:{c.membership_id}:{c.period}",
)


# -- plans (owner) -------------------------------------------------------------------------------
def save_plan(plan: MembershipPlan, *, actor: Actor) -> MembershipPlan:
    require(actor, Action.MANAGE_CLINIC, plan)
    if plan.monthly_fee_minor <= 0:
        raise InvalidInput("The monthly fee must be more than zero.", field="monthly_fee")
    if not plan.included_credits and not plan.discount_bp:
        raise InvalidInput("Give the plan included sessions, a discount, or both.", field="included_credits")
    if MembershipPlan.objects.filter(clinic_id=plan.clinic_id, name=plan.name).exclude(pk=plan.pk).exists():
        raise Conflict("A plan with this name exists.", field="name")
    plan.save()
    return plan


# -- joining, pausing, cancelling ----------------------------------------------------------------
def join(client: Client, plan: MembershipPlan, *, actor: Actor, now: datetime) -> ClientMembership:
    """Start a membership today; its first month is billed at once (the worker collects it from
    the saved card, or the desk takes it)."""
    member = require_staff(actor, Action.TAKE_PAYMENT, client, objs=[plan])
    if not plan.is_active:
        raise Conflict("This plan is no longer offered.", field="plan")
    try:
        with transaction.atomic():
            Client.objects.select_for_update().filter(pk=client.pk).first()
            if ClientMembership.objects.filter(client=client, status__in=LIVE).exists():
                raise Conflict("This client already has a membership.", code="already_member")
            m = ClientMembership.objects.create(
                clinic_id=client.clinic_id,
                client=client,
                plan=plan,
                monthly_fee_minor=plan.monthly_fee_minor,
                included_credits=plan.included_credits,
                discount_bp=plan.discount_bp,
                min_term_months=plan.min_term_months,
                currency=client.clinic.currency,
                started_at=now,
                created_by=member,
            )
            _bill(m, now)
    except IntegrityError:  # the constraint, when two tills join at once
        raise Conflict("This client already has a membership.", code="already_member") from None
    return m


def pause(membership: ClientMembership, *, until: datetime, actor: Actor, now: datetime) -> ClientMembership:
    """No charges for months that start before `until` (at most three months away)."""
    require_staff(actor, Action.TAKE_PAYMENT, membership)
    if until <= now:
        raise InvalidInput("Pause until a later date.", field="until")
    if until > recurring.add_months(now, MAX_PAUSE_MONTHS):
        raise InvalidInput(
            f"A membership can be paused for {MAX_PAUSE_MONTHS} months at most.", field="until"
        )
    with transaction.atomic():
        m = ClientMembership.objects.select_for_update().get(pk=membership.pk)
        if m.status != MembershipStatus.ACTIVE:
            raise Conflict(f"The membership is {m.get_status_display().lower()}.", code="not_active")
        m.status, m.paused_until = MembershipStatus.PAUSED, until
        m.save(update_fields=["status", "paused_until"])
    return m


def resume(membership: ClientMembership, *, actor: Actor, now: datetime) -> ClientMembership:
    require_staff(actor, Action.TAKE_PAYMENT, membership)
    with transaction.atomic():
        m = ClientMembership.objects.select_for_update().get(pk=membership.pk)
        if m.status != MembershipStatus.PAUSED:
            raise Conflict("The membership is not paused.", code="not_paused")
        m.status, m.paused_until = MembershipStatus.ACTIVE, None
        m.save(update_fields=["status", "paused_until"])
        _bill(m, now)
    return m


def min_term_ends(m: ClientMembership) -> datetime:
    return recurring.add_months(m.started_at, m.min_term_months)


def cancel(
    membership: ClientMembership, *, actor: Actor, now: datetime, override: bool = False
) -> ClientMembership:
    """End the membership at the end of the month already billed. Inside the minimum term only
    an owner may, and must say so (`override`)."""
    member = require_staff(actor, Action.TAKE_PAYMENT, membership)
    with transaction.atomic():
        m = ClientMembership.objects.select_for_update().get(pk=membership.pk)
        if m.status == MembershipStatus.CANCELLED:
            raise Conflict("The membership is already cancelled.", code="cancelled")
        ends = min_term_ends(m)
        if now < ends:
            if not override:
                raise Conflict(
                    f"The minimum term runs until {ends:%d %b %Y}; an owner may end it earlier.",
                    code="min_term",
                )
            if member.role != Role.OWNER:
                raise NotAllowed("Only an owner may end a membership inside its minimum term.")
        period = recurring.months_between(m.started_at, now)
        m.status = MembershipStatus.CANCELLED
        m.cancelled_at = now
        m.ends_at = recurring.add_months(m.started_at, period + 1)
        m.save(update_fields=["status", "cancelled_at", "ends_at"])
    return m


# -- billing (worker) ----------------------------------------------------------------------------
def _bill(m: ClientMembership, now: datetime) -> int:
    """Create the charge (and invoice) of every month started by `now` not yet billed; paused
    months are recorded as skipped. Idempotent: a period is billed once (unique constraint)."""
    made = 0
    current = recurring.months_between(m.started_at, now)
    have = set(MembershipCharge.objects.filter(membership=m).values_list("period", flat=True))
    for period in range(current + 1):
        if period in have:
            continue
        start = recurring.add_months(m.started_at, period)
        skipped = (
            m.paused_until is not None and start < m.paused_until and m.status == MembershipStatus.PAUSED
        )
        charge = MembershipCharge(
            clinic_id=m.clinic_id,
            membership=m,
            period=period,
            period_start=start,
            amount_minor=m.monthly_fee_minor,
            currency=m.currency,
            status=ChargeStatus.SKIPPED if skipped else ChargeStatus.DUE,
            created_at=now,
        )
        if not skipped:
            invoice = issue_invoice(
                m.client,
                [
                    LineSpec(
                        kind=ItemKind.MEMBERSHIP,
                        description=f"{m.plan.name} membership, {start:%d %b %Y}",
                        unit_price_minor=m.monthly_fee_minor,
                    )
                ],
                at=now,
                by=None,
                key=f"membership:{m.pk}:{period}",
            )
            charge.invoice = invoice
            charge.amount_minor = invoice.total_minor  # tax added when prices exclude it
        charge.save()
        made += 1
    return made


def bill_memberships(now: datetime, *, limit: int = 200) -> int:
    """Worker: bill every month that has started (once per period), resume pauses that ended,
    then charge the saved card for due months (retries on day 1, 3 and 7; after the last a
    "card failed" membership and PaymentFailed(purpose="membership"))."""
    done = 0
    ended = ClientMembership.objects.filter(status=MembershipStatus.PAUSED, paused_until__lte=now)
    for pk in list(ended.values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            ClientMembership.objects.filter(pk=pk, status=MembershipStatus.PAUSED).update(
                status=MembershipStatus.ACTIVE, paused_until=None
            )
    live = ClientMembership.objects.filter(status__in=[MembershipStatus.ACTIVE, MembershipStatus.PAUSED])
    for pk in list(live.values_list("pk", flat=True)[:limit]):
        try:
            with transaction.atomic():
                m = ClientMembership.objects.select_for_update().select_related("client", "plan").get(pk=pk)
                if m.status in (MembershipStatus.ACTIVE, MembershipStatus.PAUSED):
                    done += _bill(m, now)
        except IntegrityError:  # another worker billed it first
            continue
    due = (
        MembershipCharge.objects.filter(status=ChargeStatus.DUE, period_start__lte=now)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .values_list("pk", flat=True)[:limit]
    )
    for pk in list(due):
        result = recurring.attempt(CHARGES, pk, now)
        if result is None:
            continue
        done += 1
        if result.final:
            _card_failed(result.row, result.message)
    return done


def _card_failed(charge: MembershipCharge, message: str) -> None:
    with transaction.atomic():
        m = ClientMembership.objects.select_for_update().get(pk=charge.membership_id)
        if m.status == MembershipStatus.ACTIVE:
            m.status = MembershipStatus.CARD_FAILED
            m.save(update_fields=["status"])
        MembershipCharge.objects.filter(pk=charge.pk).update(failure_message=message[:300])
        events.publish(
            events.PaymentFailed(
                clinic_id=m.clinic_id,
                tender=charge.tender,
                purpose="membership",
                message=message or "The membership fee could not be charged to the saved card.",
            )
        )


def pay_charge(charge: MembershipCharge, spec: TenderSpec, *, actor: Actor, now: datetime) -> Tender:
    """A month paid at the desk (cash, terminal, transfer). When nothing is left unpaid, a
    card-failed membership is active again."""
    member = require_staff(actor, Action.TAKE_PAYMENT, charge)
    validate_tender(spec, allow_processor=False)
    if spec.amount_minor != charge.amount_minor:
        raise InvalidInput("Pay the month's whole fee.", field="amount", code="amount")
    with transaction.atomic():
        row = (
            MembershipCharge.objects.select_for_update()
            .select_related("membership__client")
            .get(pk=charge.pk)
        )
        recurring.settle_by_hand_allowed(row)
        tender = new_tender(
            row.membership.client,
            spec,
            at=now,
            by=member,
            purpose="membership",
            invoice=row.invoice,
            key=f"membership:{row.membership_id}:{row.period}:desk",
        )
        MembershipCharge.objects.filter(pk=row.pk).update(
            status=ChargeStatus.PAID, tender=tender, paid_at=now, next_attempt_at=None
        )
        m = ClientMembership.objects.select_for_update().get(pk=row.membership_id)
        unpaid = MembershipCharge.objects.filter(membership=m, status=ChargeStatus.FAILED).exists()
        if m.status == MembershipStatus.CARD_FAILED and not unpaid:
            m.status = MembershipStatus.ACTIVE
            m.save(update_fields=["status"])
    return tender


# -- at checkout ---------------------------------------------------------------------------------
def credits_left(m: ClientMembership, at: datetime) -> int:
    period = recurring.months_between(m.started_at, at)
    return max(
        0, m.included_credits - MembershipSessionUse.objects.filter(membership=m, period=period).count()
    )


def apply_membership(
    appt: Appointment, membership_id: int | None, lines: list[LineSpec], *, now: datetime
) -> list[LineSpec]:
    """Checkout: an included session covers the treatment lines (not in money); otherwise the
    membership's discount comes off them. Lines a package already covers are left alone."""
    if membership_id is None:
        return lines
    m = (
        ClientMembership.objects.select_for_update()
        .select_related("plan")
        .filter(pk=membership_id, client_id=appt.client_id, clinic_id=appt.clinic_id)
        .first()
    )
    if m is None:
        raise NotFound("No such membership for this client.", field="membership")
    if m.status != MembershipStatus.ACTIVE:
        raise Conflict(f"The membership is {m.get_status_display().lower()}.", field="membership")
    treatment = [
        i for i, line in enumerate(lines) if line.kind == ItemKind.TREATMENT and not line.credit_minor
    ]
    if not treatment:
        raise InvalidInput("A membership applies to treatment lines; there is none.", field="membership")
    out = list(lines)
    if credits_left(m, now) > 0:
        settings = settings_for(appt.clinic_id)
        for i in treatment:
            line = out[i]
            gross = line_tax(
                line.amount, settings.rate_for(line.kind), inclusive=settings.prices_include_tax
            ).gross
            out[i] = replace(line, credit_minor=gross)
        MembershipSessionUse.objects.create(
            clinic_id=appt.clinic_id,
            membership=m,
            period=recurring.months_between(m.started_at, now),
            appointment=appt,
            created_at=now,
        )
        return out
    if m.discount_bp:
        for i in treatment:
            line = out[i]
            extra = min(percent_of(line.amount, m.discount_bp), line.amount)
            if extra:
                why = f"{m.plan.name} membership"
                reason = f"{line.discount_reason}; {why}" if line.discount_reason else why
                out[i] = replace(
                    line, discount_minor=line.discount_minor + extra, discount_reason=reason[:120]
                )
        return out
    raise Conflict("No included sessions are left this month.", field="membership", code="no_credits")


# -- reads and merge -----------------------------------------------------------------------------
@dataclass(frozen=True)
class MembershipState:
    membership: ClientMembership
    credits_left: int
    charges_due: list[MembershipCharge]
    min_term_ends: datetime


def state(m: ClientMembership, now: datetime) -> MembershipState:
    due = list(
        MembershipCharge.objects.filter(
            membership=m, status__in=[ChargeStatus.DUE, ChargeStatus.FAILED]
        ).order_by("period")
    )
    return MembershipState(m, credits_left(m, now), due, min_term_ends(m))


def live_membership(client: Client) -> ClientMembership | None:
    return ClientMembership.objects.filter(client=client, status__in=LIVE).select_related("plan").first()


def merge_step(keep: Client, gone: Client) -> None:
    """A merge keeps one live membership: with two, the owner must cancel one first."""
    if live_membership(keep) is not None and live_membership(gone) is not None:
        raise Conflict(
            "Both clients have a live membership: cancel one of them before merging.", code="two_memberships"
        )
