"""Adverse events and outcome scores, through clinic.outcomes.services (refusals → 400)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status

from needlepoint.clinic.audit.services import record_access
from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clients.selectors import client_for_read
from needlepoint.clinic.outcomes import selectors, services
from needlepoint.clinic.outcomes.models import (
    AdverseEvent,
    EventStatus,
    EventType,
    FollowUpTask,
    OutcomeScore,
    Severity,
)

from ..auth import requires
from ..context import access, actor, clinic
from ..errors import ApiError
from ..pagination import PageParams, paginate
from ..schemas.common import Id, Page, responses
from ..schemas.outcomes import (
    AdverseEventIn,
    AdverseEventOut,
    AdverseEventPatch,
    FollowUpIn,
    ResolveIn,
    ScoreIn,
    ScoreOut,
)
from .treatments import appointment

router = Router(tags=["outcomes"])
EV_READ, EV_WRITE = requires("adverse_events:read"), requires("adverse_events:write")
SC_READ, SC_WRITE = requires("outcomes:read"), requires("outcomes:write")


def event_out(e: AdverseEvent) -> dict[str, Any]:
    out = {f: getattr(e, f) for f in AdverseEventOut.model_fields if f != "tasks"}
    return out | {"tasks": list(e.tasks.order_by("pk"))}


def _event(request: HttpRequest, pk: int, action: str = "view adverse event") -> AdverseEvent:
    event = get_object_or_404(
        AdverseEvent.objects.for_clinic(clinic(request)).select_related("client"), pk=pk
    )
    record_access(access(request), client=event.client, action=action)
    return event


@router.get("/adverse-events", response=responses(Page[AdverseEventOut]), auth=EV_READ)
def list_events(
    request: HttpRequest,
    page: Query[PageParams],
    status: EventStatus | None = None,
    type: EventType | None = None,
    severity: Severity | None = None,
    client_id: Id | None = None,
) -> dict[str, Any]:
    """Newest first."""
    filters = selectors.EventFilters(
        status=status or "", type=type or "", severity=severity or "", client_id=client_id
    )
    qs = selectors.adverse_events(clinic(request), filters).order_by("-created_at", "-pk")
    record_access(access(request), client=None, action="list adverse events")
    return paginate(qs, page, event_out)


@router.post("/adverse-events", response=responses(AdverseEventOut, 201), auth=EV_WRITE)
def open_event(request: HttpRequest, payload: AdverseEventIn) -> Status[dict[str, Any]]:
    c = clinic(request)
    client = Client.objects.for_clinic(c).filter(pk=payload.client_id).first()
    if client is None:
        raise ApiError(400, "invalid", "No such client.", {"client_id": ["Not found."]})
    appt = None
    if payload.appointment_id is not None:
        appt = Appointment.objects.for_clinic(c).filter(pk=payload.appointment_id).first()
        if appt is None:
            raise ApiError(400, "invalid", "No such appointment.", {"appointment_id": ["Not found."]})
    event = services.open_adverse_event(
        c,
        client=client,
        appointment=appt,
        source="staff:api",
        actor=actor(request),
        **payload.model_dump(exclude={"client_id", "appointment_id"}),
    )
    return Status(201, event_out(event))


@router.get("/adverse-events/{event_id}", response=responses(AdverseEventOut), auth=EV_READ)
def get_event(request: HttpRequest, event_id: int) -> dict[str, Any]:
    return event_out(_event(request, event_id))


@router.patch("/adverse-events/{event_id}", response=responses(AdverseEventOut), auth=EV_WRITE)
def update_event(request: HttpRequest, event_id: int, payload: AdverseEventPatch) -> dict[str, Any]:
    """Staff grading and notes; a client's own report text is never overwritten."""
    event = _event(request, event_id, "update adverse event")
    changes = payload.model_dump(exclude_unset=True, exclude_none=True)
    return event_out(services.update_adverse_event(event, actor=actor(request), **changes))


@router.post("/adverse-events/{event_id}/follow-ups", response=responses(AdverseEventOut, 201), auth=EV_WRITE)
def add_follow_up(request: HttpRequest, event_id: int, payload: FollowUpIn) -> Status[dict[str, Any]]:
    event = _event(request, event_id, "update adverse event")
    services.add_follow_up(event, actor=actor(request), title=payload.title, due_on=payload.due_on)
    return Status(201, event_out(event))


@router.post("/follow-ups/{task_id}/complete", response=responses(AdverseEventOut), auth=EV_WRITE)
def complete_follow_up(request: HttpRequest, task_id: int) -> dict[str, Any]:
    task = get_object_or_404(
        FollowUpTask.objects.for_clinic(clinic(request)).select_related("event"), pk=task_id
    )
    event = _event(request, task.event_id, "update adverse event")
    services.complete_follow_up(task, actor=actor(request))
    return event_out(event)


@router.post("/adverse-events/{event_id}/resolve", response=responses(AdverseEventOut), auth=EV_WRITE)
def resolve_event(request: HttpRequest, event_id: int, payload: ResolveIn) -> dict[str, Any]:
    """Refused while a follow-up task is open."""
    event = _event(request, event_id, "update adverse event")
    services.resolve_adverse_event(
        event, actor=actor(request), resolution=payload.resolution, resolved_on=payload.resolved_on
    )
    return event_out(event)


@router.post("/adverse-events/{event_id}/reopen", response=responses(AdverseEventOut), auth=EV_WRITE)
def reopen_event(request: HttpRequest, event_id: int) -> dict[str, Any]:
    event = _event(request, event_id, "update adverse event")
    return event_out(services.reopen_adverse_event(event, actor=actor(request)))


# --- outcome scores --------------------------------------------------------------------------


@router.get("/clients/{client_id}/outcome-scores", response=responses(list[ScoreOut]), auth=SC_READ)
def client_scores(request: HttpRequest, client_id: int) -> list[OutcomeScore]:
    """Every score, by session; `improvement` is against the area's first score on that scale."""
    client = client_for_read(access(request), client_id)
    return list(selectors.client_scores(clinic(request), client))


@router.post(
    "/appointments/{appointment_id}/outcome-scores", response=responses(ScoreOut, 201), auth=SC_WRITE
)
def record_score(request: HttpRequest, appointment_id: int, payload: ScoreIn) -> Status[OutcomeScore]:
    """Record (or replace) one scale's value for one area at the session."""
    appt = appointment(request, appointment_id, "record outcome")
    score = services.record_score(
        clinic(request), appointment=appt, actor=actor(request), **payload.model_dump()
    )
    return Status(201, score)


@router.delete("/outcome-scores/{score_id}", response=responses(list[ScoreOut]), auth=SC_WRITE)
def delete_score(request: HttpRequest, score_id: int) -> list[OutcomeScore]:
    """Returns the client's remaining scores (improvements recomputed)."""
    score = get_object_or_404(
        OutcomeScore.objects.for_clinic(clinic(request)).select_related("client"), pk=score_id
    )
    record_access(access(request), client=score.client, action="delete outcome")
    client = score.client
    services.delete_score(score, actor=actor(request))
    return list(selectors.client_scores(clinic(request), client))
