"""Uploads of the tests whose conftest imports `_media` go to a temporary media directory (signed
PDFs, photos)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


# Hostile images for the upload tests (each made here, byte by byte where Pillow would not write it).


def jpeg_bytes(size: tuple[int, int] = (64, 48), *, comment: bytes = b"", exif: bytes = b"") -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    extra: dict[str, Any] = {"comment": comment} if comment else {}
    if exif:
        extra["exif"] = exif
    Image.effect_noise(size, 64).convert("RGB").save(buf, "JPEG", quality=90, **extra)
    return buf.getvalue()


def truncated_jpeg() -> bytes:
    """A JPEG cut off halfway through its scan data (as an interrupted upload leaves it)."""
    data = jpeg_bytes((256, 256))
    return data[: len(data) // 2]


def png_chunk(kind: bytes, data: bytes) -> bytes:
    import struct
    import zlib

    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_text_bomb_after_idat(inflated: int = 4 * 1024 * 1024) -> bytes:
    """A valid 8×8 PNG followed, after IDAT, by a zTXt chunk of a few KB that inflates past
    Pillow's MAX_TEXT_CHUNK (1 MB): header checks pass, decoding the whole file does not."""
    import io
    import zlib

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "PNG")
    png = buf.getvalue()
    iend = png.rindex(b"IEND") - 4
    ztxt = png_chunk(b"zTXt", b"Comment\0\0" + zlib.compress(b"A" * inflated, 9))
    return png[:iend] + ztxt + png[iend:]


def exif_with_gps() -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (52.0, 31.0, 12.0)
    return exif.tobytes()
