"""Serving a stored client photo (PHI) to a viewer the calling view has already authorised."""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import HttpRequest, HttpResponse

from needlepoint.clinic.photos import thumbnail_bytes


def photo_response(request: HttpRequest, image: FieldFile) -> HttpResponse:
    """The photo, or a small JPEG with ?size=thumb; never cached by shared caches."""
    with image.open("rb") as fh:
        data = fh.read()
    if request.GET.get("size") == "thumb":
        data, content_type = thumbnail_bytes(data), "image/jpeg"
    else:
        content_type = "image/png" if (image.name or "").lower().endswith(".png") else "image/jpeg"
    response = HttpResponse(data, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
