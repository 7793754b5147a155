"""Before/after treatment photos: multipart upload, list, and download (authorised, logged)."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from needlepoint.clinic.clients.selectors import client_for_read
from needlepoint.clinic.photos import photo_response as serve_photo
from needlepoint.clinic.treatments import selectors, services
from needlepoint.clinic.treatments.models import TreatmentPhoto

from ..auth import requires
from ..context import access, actor, clinic
from ..files import PHOTO_RESPONSE
from ..schemas.common import ERRORS, Text, responses
from ..schemas.treatments import PhotoOut
from .treatments import appointment

router = Router(tags=["photos"])
READ, WRITE = requires("photos:read"), requires("photos:write")

View = Literal["front", "left_45", "right_45", "left_90", "right_90", "close_up"]


@router.post("/appointments/{appointment_id}/photos", response=responses(PhotoOut, 201), auth=WRITE)
def upload_photo(
    request: HttpRequest,
    appointment_id: int,
    area: Form[Text],
    view: Form[View],
    phase: Form[Literal["before", "after"]],
    image: File[UploadedFile],
) -> Status[TreatmentPhoto]:
    """multipart/form-data. The image is checked (≤ 8 MB, ≤ 40 MP, no decompression bomb) and
    re-encoded without EXIF/GPS, like every photo in Needlepoint."""
    appt = appointment(request, appointment_id, "upload photo")
    photo = services.add_photo(
        clinic(request), actor(request), appt, area=area, view=view, phase=phase, upload=image
    )
    return Status(201, photo)


@router.get("/appointments/{appointment_id}/photos", response=responses(list[PhotoOut]), auth=READ)
def appointment_photos(request: HttpRequest, appointment_id: int) -> list[TreatmentPhoto]:
    appt = appointment(request, appointment_id, "view photos")
    return list(selectors.photos_of_appointment(clinic(request), appt))


@router.get("/clients/{client_id}/photos", response=responses(list[PhotoOut]), auth=READ)
def client_photos(request: HttpRequest, client_id: int) -> list[TreatmentPhoto]:
    client = client_for_read(access(request), client_id)
    return list(selectors.photos_of_client(clinic(request), client))


@router.get(
    "/photos/{photo_id}",
    response=ERRORS,
    auth=READ,
    openapi_extra={"responses": PHOTO_RESPONSE},
)
def download_photo(
    request: HttpRequest, photo_id: int, size: Literal["full", "thumb"] = "full"
) -> HttpResponse:
    """The image (`?size=thumb`: the stored thumbnail); every download is access-logged."""
    photo = selectors.photo_for_read(access(request), photo_id)
    return serve_photo(photo.thumbnail if size == "thumb" else photo.image)  # the thumbnail is a JPEG
