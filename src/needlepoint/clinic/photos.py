"""Client photos (intake concerns, reaction reports): checked with Pillow before anything is
saved, then re-encoded so EXIF (GPS, camera serials) is dropped and orientation is baked in."""

from __future__ import annotations

import io
import struct
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import HttpResponse
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
THUMB_SIZE = 320
#: What Pillow raises for a file it cannot decode. Beyond OSError/SyntaxError: ValueError for
#: oversized PNG text/ICC chunks (a zlib bomb), IndexError/struct.error/EOFError for truncated or
#: fuzzed chunk tables (found by the hypothesis fuzz test). Each is "not an image", never a 500.
UNREADABLE: tuple[type[BaseException], ...] = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    IndexError,
    EOFError,
    struct.error,
)
UNREADABLE_OR_BOMB: tuple[type[BaseException], ...] = (*UNREADABLE, Image.DecompressionBombError)


def validate_photo(upload: UploadedFile) -> None:
    """A readable image within the size and pixel limits (decompression bombs refused)."""
    if upload.size is None or upload.size > MAX_PHOTO_BYTES:
        raise ValidationError(f"{upload.name}: photos must be at most 8 MB.")
    try:
        upload.seek(0)
        with Image.open(upload) as img:
            if img.width * img.height > MAX_PIXELS:
                raise ValidationError(f"{upload.name}: the image is too large.")
            img.verify()
    except Image.DecompressionBombError as exc:
        raise ValidationError(f"{upload.name}: the image is too large.") from exc
    except UNREADABLE as exc:
        raise ValidationError(f"{upload.name}: not an image we can read (JPEG, PNG…).") from exc
    finally:
        upload.seek(0)


def clean_photo(upload: UploadedFile) -> ContentFile[bytes]:
    """The upload re-encoded without metadata, rotated per its EXIF orientation (call
    validate_photo first). PNG stays PNG; everything else becomes JPEG."""
    upload.seek(0)
    try:
        with Image.open(upload) as src:
            keep_png = src.format == "PNG"
            img = ImageOps.exif_transpose(src)
            out = io.BytesIO()
            if keep_png:
                img.save(out, format="PNG")
            else:
                img.convert("RGB").save(out, format="JPEG", quality=90)
    except UNREADABLE_OR_BOMB as exc:
        raise ValidationError(f"{upload.name}: not an image we can read (JPEG, PNG…).") from exc
    stem = Path(upload.name or "photo").stem[:60] or "photo"
    return ContentFile(out.getvalue(), name=f"{stem}.{'png' if keep_png else 'jpg'}")


def thumbnail_bytes(data: bytes, size: int = THUMB_SIZE) -> bytes:
    """A small JPEG of a stored (already cleaned) photo, made on request."""
    with Image.open(io.BytesIO(data)) as img:
        img.thumbnail((size, size))
        out = io.BytesIO()
        img.convert("RGB").save(out, format="JPEG", quality=80)
    return out.getvalue()


def photo_response(image: FieldFile, *, thumbnail: bool = False) -> HttpResponse:
    """A stored client photo (PHI) for a caller the view has already authorised; `thumbnail`
    makes a small JPEG of it. Never kept by shared caches, never sniffed as another type."""
    with image.open("rb") as fh:
        data = fh.read()
    if thumbnail:
        data, content_type = thumbnail_bytes(data), "image/jpeg"
    else:
        content_type = "image/png" if (image.name or "").lower().endswith(".png") else "image/jpeg"
    response = HttpResponse(data, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
