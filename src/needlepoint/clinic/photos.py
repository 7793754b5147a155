"""Client photos (intake concerns, reaction reports): checked with Pillow before anything is
saved — the whole file decoded, so a truncated scan or a text chunk after the pixels that
inflates past Pillow's limit is refused up front —, then re-encoded so EXIF (GPS, camera serials),
comments and text chunks are dropped and orientation is baked in, under a random file name."""

from __future__ import annotations

import io
import secrets
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import HttpResponse
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

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


def _unreadable(upload: UploadedFile) -> ValidationError:
    return ValidationError(
        f"{upload.name}: not an image we can read (JPEG, PNG…) — the file may be damaged or incomplete."
    )


# WeasyPrint sets ImageFile.LOAD_TRUNCATED_IMAGES = True for the whole process when it is imported
# (consent PDFs are rendered in-process), which makes Pillow pad a cut-off photo with grey and
# skip an oversized text chunk instead of failing. Client uploads are decoded with the flag off;
# the lock keeps two decodes from restoring each other's value.
_STRICT = threading.Lock()


@contextmanager
def _strict_decoding() -> Iterator[None]:
    with _STRICT:
        saved = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = saved


def validate_photo(upload: UploadedFile) -> None:
    """A readable, complete image within the size and pixel limits (decompression bombs refused).

    The upload is decoded and re-encoded here (strictly: see _strict_decoding); clean_photo then
    hands out that result, so a file that passes cannot fail later, half-way through saving."""
    if upload.size is None or upload.size > MAX_PHOTO_BYTES:
        raise ValidationError(f"{upload.name}: photos must be at most 8 MB.")
    try:
        upload.seek(0)
        with Image.open(upload) as img:
            if img.width * img.height > MAX_PIXELS:
                raise ValidationError(f"{upload.name}: the image is too large.")
            img.verify()
        setattr(upload, _CLEANED, _reencode(upload))
    except Image.DecompressionBombError as exc:
        raise ValidationError(f"{upload.name}: the image is too large.") from exc
    except UNREADABLE as exc:
        raise _unreadable(upload) from exc
    finally:
        upload.seek(0)


# validate_photo's re-encoded result, kept on the upload object itself (so it goes with it) for
# clean_photo to hand out.
_CLEANED = "_needlepoint_cleaned"


def _reencode(upload: UploadedFile) -> ContentFile[bytes]:
    upload.seek(0)
    with Image.open(upload) as src:
        keep_png = src.format == "PNG"
        with _strict_decoding():
            src.load()  # the whole file, text chunks after the pixels included
        img = ImageOps.exif_transpose(src)
        # Pillow writes back a JPEG comment (and a PNG's ICC profile) it read; keep only transparency.
        img.info = {k: v for k, v in img.info.items() if k == "transparency"}
        out = io.BytesIO()
        if keep_png:
            img.save(out, format="PNG")
        else:
            img.convert("RGB").save(out, format="JPEG", quality=90)
    # A random name: the uploaded one may carry the client's name.
    return ContentFile(out.getvalue(), name=f"{secrets.token_hex(12)}.{'png' if keep_png else 'jpg'}")


def clean_photo(upload: UploadedFile) -> ContentFile[bytes]:
    """The upload re-encoded without metadata (EXIF, comments, text chunks), rotated per its EXIF
    orientation, under a random name (call validate_photo first). PNG stays PNG; everything else
    becomes JPEG."""
    cached = getattr(upload, _CLEANED, None)
    if isinstance(cached, ContentFile):
        delattr(upload, _CLEANED)
        return cached
    try:
        return _reencode(upload)
    except UNREADABLE_OR_BOMB as exc:
        raise _unreadable(upload) from exc


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
