"""Treatment day through the API: numbing, lots, charts (start, per-area entries, sign,
addenda). Every write is a clinic.treatments.services call; its typed refusals map to 4xx."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Status

from needlepoint import clock
from needlepoint.clinic.audit.services import record_access
from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.clients.selectors import client_for_read
from needlepoint.clinic.clinics.models import Device, Location
from needlepoint.clinic.treatments import selectors, services
from needlepoint.clinic.treatments.models import Chart, ChartEntry, Lot, NumbingApplication

from ..auth import requires
from ..context import access, actor, clinic
from ..errors import ApiError
from ..schemas.common import Id, responses
from ..schemas.treatments import (
    AddendumIn,
    ChartEntryIn,
    ChartOut,
    LotIn,
    LotKindName,
    LotOut,
    NumbingClockOut,
    NumbingIn,
    NumbingOut,
    NumbingRemoveIn,
    RecallIn,
    RecallOut,
    SignIn,
)

router = Router(tags=["treatments"])
READ, WRITE = requires("charts:read"), requires("charts:write")


def appointment(request: HttpRequest, pk: int, action: str) -> Appointment:
    appt = get_object_or_404(
        Appointment.objects.for_clinic(clinic(request)).select_related("client", "location", "series__plan"),
        pk=pk,
    )
    record_access(access(request), client=appt.client, action=action)
    return appt


def _chart(request: HttpRequest, pk: int, action: str) -> Chart:
    chart = get_object_or_404(Chart.objects.for_clinic(clinic(request)).select_related("client"), pk=pk)
    record_access(access(request), client=chart.client, action=action)
    return chart


def chart_out(chart: Chart) -> dict[str, Any]:
    out = {f: getattr(chart, f) for f in ChartOut.model_fields if f not in ("entries", "addenda")}
    out["entries"] = list(selectors.chart_entries(chart))
    out["addenda"] = list(chart.addenda.order_by("created_at", "pk"))
    return out


def _own(model: Any, request: HttpRequest, pk: int | None, field: str) -> Any:
    """A clinic row named in a body: another clinic's id is a 400 on that field (not a 404:
    the path's object exists)."""
    if pk is None:
        return None
    row = model.objects.for_clinic(clinic(request)).filter(pk=pk).first()
    if row is None:
        raise ApiError(
            400, "invalid", f"No such {field.replace('_id', '').replace('_', ' ')}.", {field: ["Not found."]}
        )
    return row


# --- numbing ---------------------------------------------------------------------------------


@router.get("/appointments/{appointment_id}/numbing", response=responses(list[NumbingOut]), auth=READ)
def list_numbing(request: HttpRequest, appointment_id: int) -> list[NumbingApplication]:
    appt = appointment(request, appointment_id, "view numbing")
    return list(
        NumbingApplication.objects.for_clinic(clinic(request)).filter(appointment=appt).order_by("applied_at")
    )


@router.post("/appointments/{appointment_id}/numbing", response=responses(NumbingOut, 201), auth=WRITE)
def record_numbing(
    request: HttpRequest, appointment_id: int, payload: NumbingIn
) -> Status[NumbingApplication]:
    """The anaesthetic went on (the client must be checked in); the protocol's timings are copied in."""
    appt = appointment(request, appointment_id, "record numbing")
    row = services.record_numbing(clinic(request), actor(request), appt, **payload.model_dump())
    return Status(201, row)


@router.get("/appointments/{appointment_id}/numbing-clock", response=responses(NumbingClockOut), auth=READ)
def numbing_clock(request: HttpRequest, appointment_id: int) -> dict[str, Any]:
    """Where the latest application stands now: countdown to ready, window left, warnings."""
    appt = appointment(request, appointment_id, "view numbing")
    c = selectors.numbing_clock(appt, now=clock.now())
    return {
        "state": c.state,
        "now": c.now,
        "timezone": c.zone,
        "numbing_id": c.application.pk if c.application else None,
        "ready_at": c.ready_at,
        "effective_until": c.effective_until,
        "effective_until_latest": c.effective_until_latest,
        "minutes_to_ready": c.minutes_to_ready,
        "minutes_left": c.minutes_left,
        "warnings": c.warnings,
    }


@router.post("/numbing/{numbing_id}/remove", response=responses(NumbingOut), auth=WRITE)
def remove_numbing(request: HttpRequest, numbing_id: int, payload: NumbingRemoveIn) -> NumbingApplication:
    row = get_object_or_404(
        NumbingApplication.objects.for_clinic(clinic(request)).select_related("appointment__client"),
        pk=numbing_id,
    )
    record_access(access(request), client=row.appointment.client, action="record numbing")
    return services.remove_numbing(clinic(request), actor(request), row, at=payload.at)


# --- lots ------------------------------------------------------------------------------------


@router.get("/lots", response=responses(list[LotOut]), auth=READ)
def list_lots(
    request: HttpRequest,
    location_id: Id | None = None,
    kind: LotKindName | None = None,
    usable_only: bool = False,
) -> list[Lot]:
    """Stock; `usable_only` keeps what charting may use now (in date, not recalled, in stock)."""
    location = _own(Location, request, location_id, "location_id")
    if usable_only:
        if location is None or kind is None:
            raise ApiError(
                400,
                "invalid",
                "usable_only needs location_id and kind.",
                {"usable_only": ["Needs location_id and kind."]},
            )
        return list(selectors.usable_lots(clinic(request), location, kind, now=clock.now()))
    return list(selectors.lots(clinic(request), location=location, kind=kind or ""))


@router.post("/lots", response=responses(LotOut, 201), auth=WRITE)
def receive_lot(request: HttpRequest, payload: LotIn) -> Status[Lot]:
    lot = services.receive_lot(
        clinic(request),
        actor(request),
        location=_own(Location, request, payload.location_id, "location_id"),
        **payload.model_dump(exclude={"location_id"}),
    )
    return Status(201, lot)


@router.post("/lots/{lot_id}/recall", response=responses(RecallOut), auth=WRITE)
def recall_lot(request: HttpRequest, lot_id: int, payload: RecallIn) -> dict[str, Any]:
    """Owner only: charting refuses the lot from now on; lists every treatment that used it."""
    lot = get_object_or_404(Lot.objects.for_clinic(clinic(request)), pk=lot_id)
    result = services.recall_lot(clinic(request), actor(request), lot, reason=payload.reason)
    record_access(access(request), client=None, action="recall trace")
    return {
        "lot": result.lot,
        "treated": [
            {
                "client_id": r.client.pk,
                "appointment_id": r.appointment.pk,
                "chart_id": r.chart.pk,
                "area": r.entry.area,
                "used_as": r.used_as,
                "start": r.appointment.start,
            }
            for r in result.trace
        ],
    }


# --- charts ----------------------------------------------------------------------------------


@router.get("/clients/{client_id}/charts", response=responses(list[ChartOut]), auth=READ)
def list_charts(request: HttpRequest, client_id: int) -> list[dict[str, Any]]:
    """The client's treatment history, newest session first."""
    client = client_for_read(access(request), client_id)
    return [chart_out(c) for c in selectors.charts_of_client(clinic(request), client)]


@router.get("/appointments/{appointment_id}/chart", response=responses(ChartOut), auth=READ)
def get_appointment_chart(request: HttpRequest, appointment_id: int) -> dict[str, Any]:
    appt = appointment(request, appointment_id, "view chart")
    chart = selectors.chart_for_appointment(clinic(request), appt)
    if chart is None:
        raise ApiError(404, "not_found", "This appointment has no chart yet.")
    return chart_out(chart)


@router.post("/appointments/{appointment_id}/chart", response=responses(ChartOut, 201), auth=WRITE)
def start_chart(request: HttpRequest, appointment_id: int) -> Status[dict[str, Any]]:
    """Open the appointment's chart (the client must be checked in); returns it if it exists."""
    appt = appointment(request, appointment_id, "chart")
    return Status(201, chart_out(services.start_chart(clinic(request), actor(request), appt)))


@router.get("/charts/{chart_id}", response=responses(ChartOut), auth=READ)
def get_chart(request: HttpRequest, chart_id: int) -> dict[str, Any]:
    return chart_out(_chart(request, chart_id, "view chart"))


@router.post("/charts/{chart_id}/entries", response=responses(ChartOut, 201), auth=WRITE)
def add_entry(request: HttpRequest, chart_id: int, payload: ChartEntryIn) -> Status[dict[str, Any]]:
    """Chart one area; the protocol engine checks the depth against its cap for this device."""
    chart = _chart(request, chart_id, "chart")
    data = services.ChartEntryInput(
        area=payload.area,
        device=_own(Device, request, payload.device_id, "device_id"),
        cartridge_lot=_own(Lot, request, payload.cartridge_lot_id, "cartridge_lot_id"),
        passes=payload.passes,
        endpoint=payload.endpoint,
        pain_score=payload.pain_score,
        depth_mm=payload.depth_mm,
        override_reason=payload.override_reason,
        product_lot=_own(Lot, request, payload.product_lot_id, "product_lot_id"),
        reactions=tuple(payload.reactions),
        reaction_notes=payload.reaction_notes,
        indication=payload.indication,
    )
    services.add_chart_entry(clinic(request), actor(request), chart, data)
    return Status(201, chart_out(chart))


@router.delete("/charts/{chart_id}/entries/{entry_id}", response=responses(ChartOut), auth=WRITE)
def remove_entry(request: HttpRequest, chart_id: int, entry_id: int) -> dict[str, Any]:
    """Only while the chart is unsigned; the lots go back to stock."""
    chart = _chart(request, chart_id, "chart")
    entry = get_object_or_404(ChartEntry.objects.for_clinic(clinic(request)).filter(chart=chart), pk=entry_id)
    services.remove_chart_entry(clinic(request), actor(request), entry)
    return chart_out(chart)


@router.post("/charts/{chart_id}/sign", response=responses(ChartOut), auth=WRITE)
def sign_chart(request: HttpRequest, chart_id: int, payload: SignIn) -> dict[str, Any]:
    """Sign and lock as the token's member (the session's practitioner, or an owner recorded as
    signing for them) and complete the session; adverse reactions open adverse events in the
    same transaction."""
    chart = _chart(request, chart_id, "sign chart")
    chart = services.sign_chart(clinic(request), actor(request), chart)
    return chart_out(chart)


@router.post("/charts/{chart_id}/addenda", response=responses(ChartOut, 201), auth=WRITE)
def add_addendum(request: HttpRequest, chart_id: int, payload: AddendumIn) -> Status[dict[str, Any]]:
    """A later note on a signed chart (the original stays as signed)."""
    chart = _chart(request, chart_id, "chart")
    entry = None
    if payload.entry_id is not None:
        entry = (
            ChartEntry.objects.for_clinic(clinic(request)).filter(chart=chart, pk=payload.entry_id).first()
        )
        if entry is None:
            raise ApiError(400, "invalid", "No such entry in this chart.", {"entry_id": ["Not found."]})
    services.add_addendum(clinic(request), actor(request), chart, text=payload.text, entry=entry)
    return Status(201, chart_out(chart))
