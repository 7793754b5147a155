"""Serving a stored client photo (PHI) to a caller the handler has already authorised.
(Same rules as the web's photo_response; the API may not import the web layer.)"""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import HttpResponse

from needlepoint.clinic.photos import thumbnail_bytes


def photo_response(image: FieldFile, *, thumb: bool = False) -> HttpResponse:
    with image.open("rb") as fh:
        data = fh.read()
    if thumb:
        data, content_type = thumbnail_bytes(data), "image/jpeg"
    else:
        content_type = "image/png" if (image.name or "").lower().endswith(".png") else "image/jpeg"
    response = HttpResponse(data, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


BINARY = {"schema": {"type": "string", "format": "binary"}}
PHOTO_RESPONSE = {
    200: {"description": "The image (JPEG or PNG).", "content": {"image/jpeg": BINARY, "image/png": BINARY}}
}
