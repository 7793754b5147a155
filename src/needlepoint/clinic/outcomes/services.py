"""Writes for outcomes: adverse events (open, follow up, resolve) and outcome scores.

Request-free: the web views and the API call these with the actor (permissions decides who may)
and plain values; they raise :class:`OutcomeError` (a ``ValueError``) with a message for the user,
or the permissions' ``NotAllowed``/``NotFound``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db import transaction

from needlepoint import clock
from needlepoint.clinic import events
from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Clinic, Device
from needlepoint.clinic.errors import InvalidInput
from needlepoint.clinic.permissions import Action, Actor, membership_of, require
from needlepoint.clinic.plans.models import PlanArea
from needlepoint.clinic.treatments.models import Lot
from needlepoint.protocol import default_protocol

from .models import AdverseEvent, EventSource, EventStatus, EventType, FollowUpTask, OutcomeScore, Severity
from .scoring import SATISFACTION, check_value, improvement_of, known_scales


class OutcomeError(InvalidInput, ValueError):
    """Bad input to an outcome or adverse-event write; the message is shown to the user."""


# Reaction-report symptom codes (clinic.messaging.reactions) → the event type they point to.
SYMPTOM_TYPES: dict[str, str] = {
    "fever": EventType.INFECTION,
    "spreading_redness": EventType.INFECTION,
    "pus": EventType.INFECTION,
    "infection_signs": EventType.INFECTION,
    "cold_sore": EventType.HERPES,
    "bruising": EventType.BRUISING,
    "bleeding": EventType.BLEEDING,
    "pigment_change": EventType.PIGMENT_CHANGE,
    "severe_pain": EventType.OTHER,
}


def type_for_symptoms(symptoms: list[str]) -> str:
    """The most specific event type the symptoms point to (infection before herpes before other)."""
    found = [SYMPTOM_TYPES.get(s, EventType.OTHER) for s in symptoms]
    order = list(EventType.values)
    specific = [t for t in found if t != EventType.OTHER]
    return min(specific, key=order.index) if specific else EventType.OTHER


def _origin(source: str) -> str:
    head = source.split(":", 1)[0]
    if head in EventSource.values:
        return head
    if head in {"reaction_report", "portal"}:
        return EventSource.CLIENT_REPORT
    if head in {"chart", "treatment", "treatment_record"}:
        return EventSource.CHART
    return EventSource.STAFF


@transaction.atomic
def open_adverse_event(
    clinic: Clinic,
    *,
    actor: Actor,
    client: Client,
    source: str,
    type: str,
    severity: str = Severity.MODERATE,
    appointment: Appointment | None = None,
    description: str = "",
    onset: date | None = None,
    area: str = "",
    lot: Lot | None = None,
    device: Device | None = None,
    symptoms: list[str] | None = None,
    treatment_given: str = "",
    lot_code: str = "",
) -> AdverseEvent:
    """Open an adverse event for ``client`` and publish AdverseEventOpened in the same transaction.

    ``source`` says where it came from (``reaction_report:12``, ``chart:7``, ``staff``…);
    ``lot`` is a treatments ``Lot`` (its code is kept; the device defaults to the session's);
    without one, ``lot_code`` records a lot typed by staff.
    Raises OutcomeError on an unknown type or severity, NotFound for objects of another clinic.
    """
    # Another clinic's client, session, lot or device answers NotFound, as if it did not exist.
    require(actor, Action.OPEN_ADVERSE_EVENT, clinic, objs=(client, appointment, lot, device))
    if type not in EventType.values:
        raise OutcomeError(f"Unknown event type {type!r}; choose one of {', '.join(EventType.values)}.")
    if severity not in Severity.values:
        raise OutcomeError(f"Unknown severity {severity!r}; choose one of {', '.join(Severity.values)}.")
    if appointment is not None and appointment.client_id != client.pk:
        raise OutcomeError("That session is not this client's.")
    if onset is not None and onset > clock.now().date():
        raise OutcomeError("Onset cannot be in the future.")
    _check_area(area)
    if device is None and appointment is not None:
        device = appointment.device
    event = AdverseEvent(
        clinic=clinic,
        client=client,
        appointment=appointment,
        source=source[:40],
        origin=_origin(source),
        type=type,
        symptoms=",".join(symptoms or [])[:200],
        severity=severity,
        onset=onset,
        area=area,
        device=device,
        lot_code=_lot_code(lot) or lot_code.strip()[:80],
        description=description,
        treatment_given=treatment_given,
        reported_by=membership_of(actor),
        lot=lot,
    )
    event.save()
    events.publish(events.AdverseEventOpened(clinic.pk, adverse_event=event))
    return event


def _lot_code(lot: Lot | None) -> str:
    return f"{lot.product_name} {lot.lot_number}"[:80] if lot is not None else ""


def update_adverse_event(
    event: AdverseEvent,
    *,
    actor: Actor,
    type: str | None = None,
    severity: str | None = None,
    treatment_given: str | None = None,
    description: str | None = None,
    area: str | None = None,
) -> AdverseEvent:
    """Staff grading and treatment notes; the client's own report text is never overwritten."""
    require(actor, Action.MANAGE_ADVERSE_EVENT, event)
    if type is not None:
        if type not in EventType.values:
            raise OutcomeError(f"Unknown event type {type!r}.")
        event.type = type
    if severity is not None:
        if severity not in Severity.values:
            raise OutcomeError(f"Unknown severity {severity!r}.")
        event.severity = severity
    if treatment_given is not None:
        event.treatment_given = treatment_given
    if description is not None and event.origin != EventSource.CLIENT_REPORT:
        event.description = description
    if area is not None:
        _check_area(area)
        event.area = area
    event.save()
    return event


def add_follow_up(
    event: AdverseEvent, *, actor: Actor, title: str, due_on: date | None = None
) -> FollowUpTask:
    require(actor, Action.MANAGE_ADVERSE_EVENT, event)
    title = title.strip()
    if not title:
        raise OutcomeError("A follow-up task needs a title.")
    if event.status == EventStatus.CLOSED:
        raise OutcomeError("This event is resolved; reopen it to add tasks.")
    return FollowUpTask.objects.create(
        clinic_id=event.clinic_id, event=event, title=title[:200], due_on=due_on
    )


def complete_follow_up(task: FollowUpTask, *, actor: Actor) -> FollowUpTask:
    require(actor, Action.MANAGE_ADVERSE_EVENT, task)
    if task.done_at is None:
        task.done_at = clock.now()
        task.done_by = membership_of(actor)
        task.save(update_fields=["done_at", "done_by"])
    return task


@transaction.atomic
def resolve_adverse_event(
    event: AdverseEvent, *, actor: Actor, resolution: str, resolved_on: date | None = None
) -> AdverseEvent:
    """Close the event. Refused while a follow-up task is open: tasks run until it is resolved."""
    require(actor, Action.MANAGE_ADVERSE_EVENT, event)
    open_tasks = event.tasks.filter(done_at__isnull=True).count()
    if open_tasks:
        raise OutcomeError(f"{open_tasks} follow-up task(s) still open; complete them first.")
    if not resolution.strip():
        raise OutcomeError("Say how it resolved.")
    event.status = EventStatus.CLOSED
    event.resolved_on = resolved_on or clock.now().date()
    event.resolution = resolution.strip()
    event.save(update_fields=["status", "resolved_on", "resolution"])
    return event


def reopen_adverse_event(event: AdverseEvent, *, actor: Actor) -> AdverseEvent:
    require(actor, Action.MANAGE_ADVERSE_EVENT, event)
    event.status = EventStatus.OPEN
    event.resolved_on = None
    event.save(update_fields=["status", "resolved_on"])
    return event


@transaction.atomic
def record_score(
    clinic: Clinic,
    *,
    actor: Actor,
    appointment: Appointment,
    scale: str,
    value: int | None = None,
    area: str = "",
    indication: str = "",
    detail: Mapping[str, Any] | None = None,
) -> OutcomeScore:
    """Record (or replace) one scale's value for one area at one session.

    For ``goodman_baron_quantitative`` pass lesion counts in ``detail`` (``{"counts": {...},
    "keloidal_area_cm2": 0}``) and the total is computed; other scales take ``value``. The
    client-reported satisfaction has no area. Improvements of the whole chain are recomputed.
    """
    require(actor, Action.RECORD_OUTCOME, clinic, objs=(appointment,))
    if scale not in known_scales():
        raise OutcomeError(f"Unknown scale {scale!r}; choose one of {', '.join(known_scales())}.")
    try:
        value = check_value(scale, value, dict(detail or {}))
    except ValueError as exc:
        raise OutcomeError(str(exc)) from exc
    if scale == SATISFACTION:
        area = ""
    elif not area:
        raise OutcomeError("Say which area this score is for.")
    _check_area(area)
    if not indication and area:
        indication = _planned_indication(appointment, area)
    score, _ = OutcomeScore.objects.update_or_create(
        appointment=appointment,
        area=area,
        scale=scale,
        defaults={
            "clinic": clinic,
            "client_id": appointment.client_id,
            "practitioner_id": appointment.practitioner_id,
            "indication": indication,
            "value": value,
            "detail": dict(detail or {}),
            "session_at": appointment.start,
            "recorded_by": membership_of(actor),
        },
    )
    _recompute_chain(appointment.client_id, area, scale)
    score.refresh_from_db()
    return score


def _check_area(area: str) -> None:
    """An area code of the protocol, or one side of a paired area (``cheeks.left``); blank is
    allowed where the caller allows it."""
    if area and not default_protocol().is_area(area):
        raise OutcomeError(
            f"Unknown area {area!r}: use a protocol area code such as cheeks, or one side of a paired"
            " area such as cheeks.left.",
            field="area",
        )


def _planned_indication(appointment: Appointment, area: str) -> str:
    """The indication the client's plan treats in ``area`` (blank when the series has no plan)."""
    if appointment.series_id is None:
        return ""
    row = (
        PlanArea.objects.filter(plan__series__id=appointment.series_id, area=area)
        .values_list("indication", flat=True)
        .first()
    )
    return row or ""


def delete_score(score: OutcomeScore, *, actor: Actor) -> None:
    require(actor, Action.RECORD_OUTCOME, score)
    client_id, area, scale = score.client_id, score.area, score.scale
    score.delete()
    _recompute_chain(client_id, area, scale)


def _recompute_chain(client_id: int, area: str, scale: str) -> None:
    """Baseline is the chain's first score; each later one gets its improvement over it."""
    chain = list(
        OutcomeScore.objects.filter(client_id=client_id, area=area, scale=scale).order_by("session_at", "pk")
    )
    if not chain:
        return
    baseline = chain[0].value
    for i, s in enumerate(chain):
        s.improvement = improvement_of(scale, baseline, s.value) if i or scale in _RELATIVE else None
        s.is_latest = i == len(chain) - 1
    OutcomeScore.objects.bulk_update(chain, ["improvement", "is_latest"])


# Scales whose single value is itself a judgement of change (no baseline needed).
_RELATIVE = frozenset({"gais", SATISFACTION})
