"""Serving a stored client photo (PHI) to a viewer the calling view has already authorised."""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import HttpRequest, HttpResponse

from needlepoint.clinic import photos


def photo_response(request: HttpRequest, image: FieldFile) -> HttpResponse:
    """The photo, or a small JPEG with ?size=thumb."""
    return photos.photo_response(image, thumbnail=request.GET.get("size") == "thumb")
