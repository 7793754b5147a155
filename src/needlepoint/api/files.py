"""OpenAPI description of the photo downloads (served by clinic.photos.photo_response)."""

from __future__ import annotations

BINARY = {"schema": {"type": "string", "format": "binary"}}
PHOTO_RESPONSE = {
    200: {"description": "The image (JPEG or PNG).", "content": {"image/jpeg": BINARY, "image/png": BINARY}}
}
