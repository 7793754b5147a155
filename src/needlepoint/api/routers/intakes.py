"""Intakes: submit a new version for a client, list a client's versions, read one, its photos."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from needlepoint import clock
from needlepoint.clinic.clients.selectors import client_for_read
from needlepoint.clinic.intake import selectors
from needlepoint.clinic.intake.data import AreaEntry, IntakeData, MedicationEntry, SkinStateEntry
from needlepoint.clinic.intake.models import Intake, IntakeSource
from needlepoint.clinic.intake.services import submit_intake
from needlepoint.clinic.permissions import CLINICAL, Actor
from needlepoint.clinic.photos import photo_response as serve_photo
from needlepoint.clinic.sensitivity import redact, rows

from ..auth import requires
from ..context import access, actor
from ..files import PHOTO_RESPONSE
from ..schemas.common import ERRORS, responses
from ..schemas.intakes import IntakeIn, IntakeOut, IntakeSummary

router = Router(tags=["intakes"])


def intake_out(i: Intake, reader: Actor) -> dict[str, Any]:
    """The intake as `reader` may see it: answers and photos only for clinical staff."""
    return redact(reader, i, {f: getattr(i, f) for f in IntakeOut.model_fields if f != "photos"}) | {
        "photos": [
            {"id": p.id, "area": p.area, "caption": p.caption}
            for p in rows(reader, "intake.IntakePhoto", i.photos.all())
        ],
    }


def _data(payload: IntakeIn) -> IntakeData:
    return IntakeData(
        fitzpatrick=payload.fitzpatrick,
        areas=tuple(AreaEntry(a.area, a.indication, a.goodman_baron_grade) for a in payload.areas),
        conditions=tuple(payload.conditions),
        medications=tuple(MedicationEntry(m.code, m.stopped_on) for m in payload.medications),
        skin_state=tuple(SkinStateEntry(s.where, s.code, s.since) for s in payload.skin_state),
        allergies=payload.allergies,
        other_conditions=payload.other_conditions,
        other_medications=payload.other_medications,
        goals=payload.goals,
    )


@router.get(
    "/clients/{client_id}/intakes", response=responses(list[IntakeSummary]), auth=requires("intakes:read")
)
def list_intakes(request: HttpRequest, client_id: int) -> list[Intake]:
    client = client_for_read(access(request), client_id)
    return list(selectors.intakes_of(client))


@router.post(
    "/clients/{client_id}/intakes", response=responses(IntakeOut, 201), auth=requires("intakes:write")
)
def create_intake(request: HttpRequest, client_id: int, payload: IntakeIn) -> Status[dict[str, Any]]:
    """A new version, checked against the protocol like the web form (400 lists every problem)."""
    client = client_for_read(access(request), client_id)
    intake = submit_intake(
        client, _data(payload), source=IntakeSource.STAFF, now=clock.now(), actor=actor(request)
    )
    return Status(201, intake_out(intake, actor(request)))


@router.get("/intakes/{intake_id}", response=responses(IntakeOut), auth=requires("intakes:read"))
def get_intake(request: HttpRequest, intake_id: int) -> dict[str, Any]:
    return intake_out(selectors.intake_for_read(access(request), intake_id), actor(request))


@router.get(
    "/intake-photos/{intake_photo_id}",
    response=ERRORS,
    auth=requires("intakes:read", roles=CLINICAL),  # photos are clinical (clinic/sensitivity.py)
    openapi_extra={"responses": PHOTO_RESPONSE},
)
def get_intake_photo(
    request: HttpRequest, intake_photo_id: int, size: Literal["full", "thumb"] = "full"
) -> HttpResponse:
    """The photo (`?size=thumb` for a small JPEG), for owners and practitioners; the read is
    access-logged."""
    photo = selectors.photo_for_read(access(request), intake_photo_id)
    return serve_photo(photo.image, thumbnail=size == "thumb")
