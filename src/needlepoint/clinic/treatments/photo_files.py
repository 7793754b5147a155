"""Turning an upload into the files a TreatmentPhoto stores, with the shared checks of
``clinic.photos`` (image, ≤ 8 MB, ≤ 40 MP, decompression bombs refused, EXIF/GPS dropped,
orientation baked in) and a stored thumbnail. No database: fuzzed directly by the tests."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile

from needlepoint.clinic.photos import UNREADABLE, clean_photo, thumbnail_bytes, validate_photo

from .errors import PhotoRejected

UNREADABLE_OR_MEMORY: tuple[type[BaseException], ...] = (*UNREADABLE, MemoryError)


def prepare(upload: UploadedFile) -> tuple[ContentFile[bytes], ContentFile[bytes]]:
    """(image, thumbnail) under random names — an uploaded file name may carry the client's
    name. Raises PhotoRejected with a message for the person uploading."""
    try:
        validate_photo(upload)
        cleaned = clean_photo(upload)
        thumb = thumbnail_bytes(cleaned.read())
    except ValidationError as exc:
        raise PhotoRejected(" ".join(exc.messages), field="image") from exc
    except UNREADABLE_OR_MEMORY as exc:
        raise PhotoRejected(f"{upload.name}: not an image we can read (JPEG, PNG…).", field="image") from exc
    stem = secrets.token_hex(12)
    ext = (cleaned.name or "photo.jpg").rsplit(".", 1)[-1]
    cleaned.seek(0)
    cleaned.name = f"{stem}.{ext}"
    return cleaned, ContentFile(thumb, name=f"{stem}-thumb.jpg")
