"""Appointments: list with filters, read, cancel, move, status; series search and booking;
booking a single free slot. Every write goes through clinic.booking.services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status
from ninja.decorators import decorate_view

from needlepoint import clock
from needlepoint import scheduling as eng
from needlepoint.clinic.accounts.selectors import practitioners_of
from needlepoint.clinic.audit.services import record_access
from needlepoint.clinic.booking import services
from needlepoint.clinic.booking.engine import Snapshot
from needlepoint.clinic.booking.models import Appointment, AppointmentType, Series
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clients.selectors import client_for_read
from needlepoint.clinic.clinics.models import Location
from needlepoint.clinic.clinics.selectors import clinic_today
from needlepoint.clinic.permissions import ApiActor
from needlepoint.clinic.plans.models import TreatmentPlan
from needlepoint.clinic.plans.selectors import SeriesWindows, bookable_plan

from ..auth import requires
from ..context import access, clinic, membership
from ..errors import ApiError
from ..idempotency import OPENAPI as IDEMPOTENT_OPENAPI
from ..idempotency import idempotent
from ..pagination import PageParams, paginate
from ..schemas.appointments import (
    AppointmentOut,
    AppointmentStatusName,
    CancelIn,
    CancelOut,
    RescheduleIn,
    RescheduleOut,
    SeriesBookIn,
    SeriesOut,
    SeriesSearchIn,
    SeriesSearchOut,
    SingleBookIn,
    StatusIn,
)
from ..schemas.common import Id, Instant, Page, responses

router = Router(tags=["appointments"])
READ, WRITE = requires("appointments:read"), requires("appointments:write")


def appointment_out(a: Appointment) -> dict[str, Any]:
    zone = a.location.timezone
    out = {f: getattr(a, f) for f in AppointmentOut.model_fields if f not in ("timezone", "local_start")}
    return out | {"timezone": zone, "local_start": a.start.astimezone(ZoneInfo(zone)).isoformat()}


def _actor(request: HttpRequest) -> ApiActor:
    """The token as a typed actor: its holder's membership, bounded by its scopes."""
    token = request.api_token  # type: ignore[attr-defined]
    return ApiActor(membership(request), scopes=frozenset(token.scopes))


def _appointment(request: HttpRequest, pk: int, action: str) -> Appointment:
    appt = get_object_or_404(
        Appointment.objects.for_clinic(clinic(request)).select_related(
            "client", "location", "practitioner__user", "appointment_type", "series__plan"
        ),
        pk=pk,
    )
    record_access(access(request), client=appt.client, action=action)
    return appt


@router.get("/appointments", response=responses(Page[AppointmentOut]), auth=READ)
def list_appointments(
    request: HttpRequest,
    page: Query[PageParams],
    start_from: Instant | None = None,
    start_before: Instant | None = None,
    practitioner_id: Id | None = None,
    location_id: Id | None = None,
    client_id: Id | None = None,
    status: AppointmentStatusName | None = None,
) -> dict[str, Any]:
    """Ordered by start. Filter by a time range (UTC instants), practitioner, location, client, status."""
    qs = Appointment.objects.for_clinic(clinic(request)).select_related("location").order_by("start", "pk")
    if start_from is not None:
        qs = qs.filter(start__gte=start_from)
    if start_before is not None:
        qs = qs.filter(start__lt=start_before)
    for name, value in (
        ("practitioner_id", practitioner_id),
        ("location_id", location_id),
        ("client_id", client_id),
        ("status", status),
    ):
        if value is not None:
            qs = qs.filter(**{name: value})
    # Who is booked when is PHI: one access entry per page (with the client when filtered to one).
    who = Client.objects.for_clinic(clinic(request)).filter(pk=client_id).first() if client_id else None
    record_access(access(request), client=who, action="list appointments")
    return paginate(qs, page, appointment_out)


@router.get("/appointments/{appointment_id}", response=responses(AppointmentOut), auth=READ)
def get_appointment(request: HttpRequest, appointment_id: int) -> dict[str, Any]:
    return appointment_out(_appointment(request, appointment_id, "view appointment"))


@router.post(
    "/appointments/{appointment_id}/cancel",
    response=responses(CancelOut),
    auth=WRITE,
    openapi_extra=IDEMPOTENT_OPENAPI,
)
@decorate_view(idempotent)
def cancel_appointment(request: HttpRequest, appointment_id: int, payload: CancelIn) -> dict[str, Any]:
    appt = _appointment(request, appointment_id, "cancel appointment")
    result = services.cancel_appointment(
        appt, actor=_actor(request), reason=payload.reason, now=clock.now(), waive_fee=payload.waive_fee
    )
    return {
        "appointment": appointment_out(result.appointment),
        "late": result.late,
        "fee_due": result.fee_due,
        "offered_to_waitlist": len(result.offers),
    }


@router.post(
    "/appointments/{appointment_id}/reschedule",
    response=responses(RescheduleOut),
    auth=WRITE,
    openapi_extra=IDEMPOTENT_OPENAPI,
)
@decorate_view(idempotent)
def reschedule_appointment(
    request: HttpRequest, appointment_id: int, payload: RescheduleIn
) -> dict[str, Any]:
    """Move one appointment. For a series, if the move breaks its intervals the engine proposes
    moving later sessions: 409 `repair_needed` lists them; send again with apply_repair=true."""
    appt = _appointment(request, appointment_id, "move appointment")
    outcome = services.reschedule_appointment(
        appt,
        payload.new_start,
        actor=_actor(request),
        now=clock.now(),
        practitioner_id=str(payload.practitioner_id) if payload.practitioner_id else None,
        apply_repair=payload.apply_repair,
    )
    changes = [
        {"session": c.session, "before": c.before.start, "after": c.after.start} for c in outcome.changes
    ]
    if not outcome.applied:
        if outcome.proposal is None:
            raise ApiError(409, "not_possible", outcome.message)
        raise ApiError(
            409,
            "repair_needed",
            outcome.message,
            {
                "changes": [
                    f"session {c.session}: {c.before.start.isoformat()} → {c.after.start.isoformat()}"
                    for c in outcome.changes
                ]
            },
        )
    appt.refresh_from_db()
    return {"appointment": appointment_out(appt), "message": outcome.message, "changes": changes}


@router.post("/appointments/{appointment_id}/status", response=responses(AppointmentOut), auth=WRITE)
def set_status(request: HttpRequest, appointment_id: int, payload: StatusIn) -> dict[str, Any]:
    """booked → checked_in (needs signed consent) → completed; booked → no_show (after the time)."""
    appt = _appointment(request, appointment_id, "update appointment")
    services.set_status(appt, payload.status, actor=_actor(request), now=clock.now())
    return appointment_out(appt)


# --- series ---------------------------------------------------------------------------------


def _spec(request: HttpRequest, client: Client, p: SeriesSearchIn) -> services.SeriesSpec:
    c = clinic(request)
    kind = AppointmentType.objects.for_clinic(c).filter(pk=p.appointment_type_id, is_active=True).first()
    if kind is None:
        raise ApiError(400, "invalid", "No such appointment type.", {"appointment_type_id": ["Not found."]})
    _check_practitioner(request, p.practitioner_id)
    location_ids = None
    if p.location_id is not None:
        if not _exists_location(c.pk, p.location_id):
            raise ApiError(400, "invalid", "No such location.", {"location_id": ["Not found."]})
        location_ids = frozenset({str(p.location_id)})
    values = {
        "sessions": p.sessions,
        "first_earliest": p.first_earliest,
        "first_latest": p.first_latest,
        "gap_min_days": p.gap_min_days,
        "gap_max_days": p.gap_max_days,
    }
    source, plan_id = "api", None
    if p.plan_id is not None:
        plan = get_object_or_404(TreatmentPlan.objects.for_clinic(c).filter(client=client), pk=p.plan_id)
        windows = bookable_plan(plan, today=clinic_today(c, clock.now()))
        _check_type_fits_plan(kind, windows)
        values = {
            "sessions": windows.count,
            "first_earliest": windows.first_earliest,
            "first_latest": windows.first_latest,
            "gap_min_days": windows.min_days,
            "gap_max_days": windows.max_days,
        }
        source, plan_id = windows.source, windows.plan_id
    preferences = eng.Preferences(
        same_practitioner=eng.SamePractitioner(p.same_practitioner),
        practitioner_id=str(p.practitioner_id) if p.practitioner_id else None,
        weekdays=frozenset(p.weekdays),
        time_of_day=eng.TimeOfDay(p.time_of_day) if p.time_of_day else None,
        location_id=str(p.location_id) if p.location_id else None,
    )
    return services.SeriesSpec(
        client=client,
        appointment_type=kind,
        preferences=preferences,
        location_ids=location_ids,
        source=source,
        plan_id=plan_id,
        **values,  # type: ignore[arg-type]
    )


def _exists_location(clinic_id: int, location_id: int) -> bool:
    return bool(Location.objects.for_clinic(clinic_id).filter(pk=location_id, is_active=True).exists())


def _check_practitioner(request: HttpRequest, practitioner_id: int | None) -> None:
    if (
        practitioner_id is not None
        and not practitioners_of(clinic(request)).filter(pk=practitioner_id).exists()
    ):
        raise ApiError(400, "invalid", "No such practitioner.", {"practitioner_id": ["Not found."]})


def _check_type_fits_plan(kind: AppointmentType, windows: SeriesWindows) -> None:
    problems = windows.type_problems(kind.duration_minutes, kind.numbing_minutes)
    if problems:
        raise ApiError(400, "invalid", " ".join(problems), {"appointment_type_id": problems})


def _proposed(a: eng.Appointment) -> dict[str, Any]:
    return {
        "arrival": a.arrival,
        "start": a.start,
        "end": a.end,
        "local_start": a.start.astimezone(ZoneInfo(a.timezone)).isoformat(),
        "location_id": int(a.location_id),
        "practitioner_id": int(a.practitioner_id),
        "room_id": int(a.room_id),
        "device_id": int(a.device_id) if a.device_id else None,
    }


def _search(request: HttpRequest, client: Client, payload: SeriesSearchIn) -> tuple[Any, Snapshot, Any]:
    spec = _spec(request, client, payload)
    result, snapshot = services.search_series(clinic(request), spec, now=clock.now())
    return result, snapshot, spec


@router.post("/clients/{client_id}/series/search", response=responses(SeriesSearchOut), auth=WRITE)
def search_series(request: HttpRequest, client_id: int, payload: SeriesSearchIn) -> dict[str, Any]:
    """Options for a series (best first); book one by posting its token to /series."""
    client = client_for_read(access(request), client_id)
    result, _, spec = _search(request, client, payload)
    explanation = []
    if result.explanation is not None:
        explanation = [result.explanation.summary] + [
            f"Session {r.session}: {r.message}" if r.session else r.message
            for r in result.explanation.reasons
        ]
    return {
        "found": result.found,
        "options": [
            {
                "token": services.encode_option(spec, o.sessions),
                "score": o.score,
                "sessions": [_proposed(a) for a in o.sessions],
            }
            for o in result.options
        ],
        "explanation": explanation,
    }


def _series_out(series: Series) -> dict[str, Any]:
    appts = series.appointments.select_related("location").order_by("series_index")
    return {
        "id": series.pk,
        "client_id": series.client_id,
        "sessions": series.sessions,
        "plan_id": series.plan_id,
        "appointments": [appointment_out(a) for a in appts],
    }


@router.post(
    "/clients/{client_id}/series",
    response=responses(SeriesOut,
    201),
    auth=WRITE,
    openapi_extra=IDEMPOTENT_OPENAPI,
)
@decorate_view(idempotent)
def book_series(request: HttpRequest, client_id: int, payload: SeriesBookIn) -> Status[dict[str, Any]]:
    """All sessions or none; 409 when a session was taken meanwhile (search again)."""
    client = client_for_read(access(request), client_id)
    spec = _spec(request, client, payload)
    series = services.book_option(
        clinic(request), spec, payload.option, actor=_actor(request), now=clock.now()
    )
    return Status(201, _series_out(series))


@router.post(
    "/clients/{client_id}/appointments",
    response=responses(AppointmentOut,
    201),
    auth=WRITE,
    openapi_extra=IDEMPOTENT_OPENAPI,
)
@decorate_view(idempotent)
def book_single(request: HttpRequest, client_id: int, payload: SingleBookIn) -> Status[dict[str, Any]]:
    """One appointment at a free start time (409 if that time is not free)."""
    c = clinic(request)
    client = client_for_read(access(request), client_id)
    kind = (
        AppointmentType.objects.for_clinic(c).filter(pk=payload.appointment_type_id, is_active=True).first()
    )
    if kind is None:
        raise ApiError(400, "invalid", "No such appointment type.", {"appointment_type_id": ["Not found."]})
    _check_practitioner(request, payload.practitioner_id)
    if payload.location_id is not None and not _exists_location(c.pk, payload.location_id):
        raise ApiError(400, "invalid", "No such location.", {"location_id": ["Not found."]})
    day = payload.start.date()
    slots, _ = services.search_slots(
        c,
        kind,
        day - timedelta(days=1),
        day + timedelta(days=1),
        now=clock.now(),
        location_ids=frozenset({str(payload.location_id)}) if payload.location_id else None,
        practitioner_ids=frozenset({str(payload.practitioner_id)}) if payload.practitioner_id else None,
        limit=2000,
    )
    slot = next((s for s in slots if s.start == payload.start), None)
    if slot is None:
        raise ApiError(409, "slot_unavailable", "That time is not free for this appointment type.")
    e = slot.appointment(str(payload.practitioner_id) if payload.practitioner_id else None)
    appt = services.book_single(c, client, kind, e, actor=_actor(request))
    return Status(201, appointment_out(appt))
