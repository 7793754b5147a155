"""Cancelling, moving and progressing appointments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction

from needlepoint import inputs
from needlepoint import scheduling as eng
from needlepoint.clinic import events, permissions
from needlepoint.clinic.consent.services import ConsentMissing, require_consent, require_consent_for_client
from needlepoint.clinic.errors import InvalidInput, NotAllowed
from needlepoint.clinic.permissions import Action, Actor

from ..engine import client_busy, engine_appointment, engine_type, load_snapshot, policy_for
from ..models import Appointment, AppointmentStatus, BookingPolicy, WaitlistEntry
from .book import appointment_fields, conflicts, lock_resources
from .errors import BookingError, OutsidePolicy, SlotTaken
from .offers import offer_freed_slot
from .search import SeriesSpec, search_slots


@dataclass(frozen=True)
class Cancellation:
    appointment: Appointment
    late: bool
    fee_due: Decimal
    offers: list[WaitlistEntry] = field(default_factory=list)


def online_changes_close(appointment: Appointment, policy: BookingPolicy) -> datetime:
    """When a client can no longer cancel or move `appointment` themselves (the notice period)."""
    return appointment.start - timedelta(hours=policy.cancellation_notice_hours)


def too_late_online(appointment: Appointment, *, now: datetime, policy: BookingPolicy | None = None) -> bool:
    """The one rule for "too late to cancel or move online": the portal's pages and the staff
    pages show it, and the services refuse a client's change by it."""
    return now > online_changes_close(appointment, policy or policy_for(appointment.clinic))


def _refuse_late_client(
    actor: Actor, appointment: Appointment, policy: BookingPolicy, now: datetime, verb: str
) -> None:
    if permissions.is_client(actor) and too_late_online(appointment, now=now, policy=policy):
        raise OutsidePolicy(
            f"Appointments can be {verb} online up to {policy.cancellation_notice_hours} hours before. "
            "Please call the clinic."
        )


@transaction.atomic
def cancel_appointment(
    appointment: Appointment, *, actor: Actor, reason: str, now: datetime, waive_fee: bool = False
) -> Cancellation:
    """Late cancellations (inside the notice period) are flagged with the clinic's fee, which
    only an owner may waive; a client may not cancel late online (they call the clinic). The
    freed slot goes to the waitlist."""
    permissions.require(actor, Action.CANCEL, appointment)
    if waive_fee:
        try:
            permissions.require(actor, Action.WAIVE_FEE, appointment)
        except NotAllowed as exc:
            raise NotAllowed(exc.message, field="waive_fee") from exc
    return _cancel(appointment, actor=actor, reason=reason, now=now, waive_fee=waive_fee)


def cancel_as_part_of(appointment: Appointment, *, actor: Actor, reason: str, now: datetime) -> Cancellation:
    """Cancel inside another command the actor was allowed (accepting a waitlist offer replaces
    the later appointment): no fee, since the clinic moved the client."""
    return _cancel(appointment, actor=actor, reason=reason, now=now, waive_fee=True)


def _cancel(
    appointment: Appointment, *, actor: Actor, reason: str, now: datetime, waive_fee: bool
) -> Cancellation:
    appt = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if not appt.is_active or appt.status != AppointmentStatus.BOOKED:
        raise BookingError(
            f"This appointment is {appt.get_status_display().lower()}: it cannot be cancelled."
        )
    if appt.start <= now:
        raise BookingError("This appointment has already started.")
    policy = policy_for(appt.clinic)
    _refuse_late_client(actor, appt, policy, now, "cancelled")
    late = too_late_online(appt, now=now, policy=policy)
    appt.status = AppointmentStatus.CANCELLED
    appt.cancelled_at = now
    default_reason = "cancelled by client" if permissions.is_client(actor) else "cancelled"
    appt.cancellation_reason = (reason or default_reason)[:200]
    appt.late_cancellation = late
    appt.fee_due = policy.late_cancellation_fee if late and not waive_fee else Decimal("0")
    appt.sequence += 1
    appt.save()
    events.publish(
        events.AppointmentCancelled(
            appt.clinic_id,
            appointment=appt,
            late=late,
            fee_due=appt.fee_due,
            by_client=permissions.is_client(actor),
            waived=waive_fee,
        )
    )
    offers = offer_freed_slot(appt, now=now)
    # A subscriber (payments' cancellation policy) may have decided the flag and the fee.
    return Cancellation(appt, appt.late_cancellation, appt.fee_due, offers)


@dataclass(frozen=True)
class RescheduleOutcome:
    """`applied` says whether the database changed. When the move breaks the series' windows,
    `proposal` holds the engine's repaired series (later sessions moved minimally) for review."""

    applied: bool
    message: str
    violations: tuple[eng.Violation, ...] = ()
    proposal: tuple[eng.Appointment, ...] | None = None
    changes: tuple[eng.SessionChange, ...] = ()


def _series_members(appt: Appointment) -> list[Appointment]:
    if appt.series_id is None:
        return [appt]
    return list(
        Appointment.objects.filter(series_id=appt.series_id)
        .active()
        .select_related("appointment_type", "location")
        .order_by("series_index")
    )


def reschedule_appointment(
    appointment: Appointment,
    new_start: datetime,
    *,
    actor: Actor,
    now: datetime,
    practitioner_id: str | None = None,
    apply_repair: bool = False,
) -> RescheduleOutcome:
    """Move one appointment. For a series, the rest is re-validated against its windows: if the
    move alone keeps every rule it is applied; otherwise the repaired series is proposed, and
    applied only with `apply_repair` (staff confirmed the knock-on moves)."""
    permissions.require(actor, Action.MOVE, appointment)
    if not inputs.plausible_instant(new_start):  # year 1 or 9999 would overflow below
        raise InvalidInput(inputs.DATE_RANGE_MESSAGE, field="new_start")
    if appointment.status != AppointmentStatus.BOOKED:
        raise BookingError("Only booked appointments can be moved.")
    _refuse_late_client(actor, appointment, policy_for(appointment.clinic), now, "moved")
    members = _series_members(appointment)
    index = next(i for i, m in enumerate(members) if m.pk == appointment.pk)
    booked = [engine_appointment(m) for m in members]
    lo = min(new_start, members[0].start) - timedelta(days=2)
    hi = max(new_start, members[-1].start) + timedelta(days=120)
    snapshot = load_snapshot(appointment.clinic, lo, hi)
    scheduler = snapshot.scheduler(now)
    if appointment.series is not None:
        request = SeriesSpec.of_series(appointment.series).request([])
        if len(booked) != request_len(request):
            request = _trim(request, len(booked))
    else:
        request = eng.SeriesRequest(
            appointment_type=engine_type(appointment.appointment_type), sessions=(eng.SessionSpec(),)
        )
    busy = client_busy(appointment.client_id, lo, hi, exclude=[m.pk for m in members])
    request = _with_client_busy(request, busy)
    try:
        result = scheduler.reschedule(request, booked, index, new_start, practitioner_id=practitioner_id)
    except eng.SchedulingError as exc:
        raise BookingError(str(exc)) from exc
    if result.ok:
        _apply(members, list(result.proposed))
        return RescheduleOutcome(True, "Moved.", changes=result.changes)
    if result.repaired is None:
        return RescheduleOutcome(False, result.message, violations=result.violations)
    if not apply_repair:
        return RescheduleOutcome(
            False,
            result.message,
            violations=result.violations,
            proposal=result.repaired,
            changes=result.changes,
        )
    _apply(members, list(result.repaired))
    return RescheduleOutcome(
        True, f"Moved, with {len(result.changes)} session(s) adjusted.", changes=result.changes
    )


def request_len(request: eng.SeriesRequest) -> int:
    return len(request.sessions)


def _trim(request: eng.SeriesRequest, count: int) -> eng.SeriesRequest:
    # Cancelled sessions leave the series shorter than planned: validate what is still booked.
    return eng.SeriesRequest(
        appointment_type=request.appointment_type,
        sessions=request.sessions[:count],
        preferences=request.preferences,
    )


def _with_client_busy(request: eng.SeriesRequest, busy: list[eng.Interval]) -> eng.SeriesRequest:
    return eng.SeriesRequest(
        appointment_type=request.appointment_type,
        sessions=request.sessions,
        preferences=request.preferences,
        location_ids=request.location_ids,
        practitioner_ids=request.practitioner_ids,
        client_busy=tuple(busy),
    )


@transaction.atomic
def _apply(members: list[Appointment], proposed: list[eng.Appointment]) -> None:
    if connection.vendor == "postgresql":
        # Sessions of one series may trade places: check overlaps at commit, not per row.
        with connection.cursor() as cursor:
            cursor.execute(
                "SET CONSTRAINTS no_double_booking_practitioner, no_double_booking_room, "
                "no_double_booking_device DEFERRED"
            )
    own = [m.pk for m in members]
    lock_resources(proposed, [members[0].client_id])
    for member, e in zip(members, proposed, strict=True):
        if (
            member.start == e.start
            and str(member.practitioner_id) == e.practitioner_id
            and str(member.room_id) == e.room_id
        ):
            continue
        problem = conflicts(e, client_id=member.client_id, exclude=own)
        if problem:
            raise SlotTaken(f"Session {(member.series_index or 0) + 1}: {problem}. Try another time.")
        previous_start = member.start
        for name, value in appointment_fields(e).items():
            setattr(member, name, value)
        member.sequence += 1
        member.save()
        events.publish(
            events.AppointmentMoved(member.clinic_id, appointment=member, previous_start=previous_start)
        )


def reschedule_options(appointment: Appointment, *, now: datetime, days: int = 21) -> list[eng.Slot]:
    """Free slots around the appointment's date for the same type, same location first."""
    zone_day = appointment.start.date()
    first = max(now.date(), zone_day - timedelta(days=7))
    slots, _ = search_slots(
        appointment.clinic,
        appointment.appointment_type,
        first,
        first + timedelta(days=days),
        now=now,
        location_ids=frozenset({str(appointment.location_id)}),
        limit=60,
    )
    return slots


def _require_consent(appointment: Appointment) -> None:
    """Treatment starts at check-in, so a valid signed consent for the plan must exist first."""
    plan = appointment.series.plan if appointment.series_id and appointment.series else None
    try:
        if plan is not None:
            require_consent(plan)
        else:
            require_consent_for_client(appointment.client)
    except ConsentMissing as exc:
        raise BookingError(f"Cannot start treatment: {exc}. Sign the consent first.") from exc


_TRANSITIONS = {
    AppointmentStatus.BOOKED: {AppointmentStatus.CHECKED_IN, AppointmentStatus.NO_SHOW},
    AppointmentStatus.CHECKED_IN: {AppointmentStatus.COMPLETED, AppointmentStatus.BOOKED},
}


@transaction.atomic
def set_status(appointment: Appointment, status: str, *, actor: Actor, now: datetime) -> Appointment:
    """Front-desk progress: booked → checked in → completed, or booked → no-show."""
    permissions.require(actor, Action.SET_STATUS, appointment)
    if status not in AppointmentStatus.values:
        raise InvalidInput("Unknown status.", field="status")
    allowed = _TRANSITIONS.get(AppointmentStatus(appointment.status), set())
    if status not in allowed:
        raise BookingError(
            f"An appointment that is {appointment.get_status_display().lower()} cannot become "
            f"{AppointmentStatus(status).label.lower()}."
        )
    if status == AppointmentStatus.NO_SHOW and appointment.start > now:
        raise BookingError("A no-show can only be recorded after the appointment time.")
    if status == AppointmentStatus.CHECKED_IN:
        _require_consent(appointment)
    previous = appointment.status
    appointment.status = status
    appointment.save(update_fields=["status", "updated_at"])
    events.publish(
        events.AppointmentStatusChanged(
            appointment.clinic_id, appointment=appointment, previous=previous, status=status
        )
    )
    return appointment
