"""Treatment photos: stored without EXIF/GPS, upright, with a thumbnail; hostile uploads
(fuzzed bytes, a 50 MP image, zlib bombs, oversized files) refused with a clear message."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from needlepoint.clinic.errors import NotAllowed
from needlepoint.clinic.treatments import photo_files, selectors, services
from needlepoint.clinic.treatments.errors import PhotoRejected
from needlepoint.clinic.treatments.models import TreatmentPhoto
from tests.clinic.treatments.helpers import Day, image_bytes, treatment_day, upload
from tests.conftest import ClinicWorld


def _add(
    day: Day, data: bytes, *, name: str = "zelda-cheek.jpg", phase: str = "before", view: str = "front"
) -> TreatmentPhoto:
    return services.add_photo(
        day.clinic,
        day.practitioner,
        day.appointment,
        area="cheeks",
        view=view,
        phase=phase,
        upload=upload(data, name),
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def _png(width: int, height: int, idat: bytes, extra: bytes = b"") -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + extra + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def _jpeg_with_gps_rotated() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° to display
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (51.0, 30.0, 12.0)
    buf = io.BytesIO()
    Image.new("RGB", (60, 30), "blue").save(buf, "JPEG", exif=exif.tobytes())
    return buf.getvalue()


def test_photo_is_stored_upright_without_metadata_under_a_random_name(clinic_a: ClinicWorld) -> None:
    day = treatment_day(clinic_a)
    photo = _add(day, _jpeg_with_gps_rotated())
    with photo.image.open("rb") as fh, Image.open(fh) as stored:
        assert stored.size == (30, 60)  # orientation baked in
        assert not stored.getexif() and not stored.getexif().get_ifd(0x8825)
    assert (photo.width, photo.height) == (30, 60)
    name = photo.image.name or ""
    assert "zelda" not in name and name.startswith("treatments/")
    with photo.thumbnail.open("rb") as fh, Image.open(fh) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) <= 320
    assert list(selectors.photos_of_appointment(clinic_a.clinic, day.appointment)) == [photo]  # type: ignore[arg-type]


def test_front_desk_may_not_add_photos(clinic_a: ClinicWorld) -> None:
    day = treatment_day(clinic_a)
    with pytest.raises(NotAllowed):
        services.add_photo(
            day.clinic,
            day.desk,
            day.appointment,
            area="cheeks",
            view="front",
            phase="before",
            upload=upload(image_bytes()),
        )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.7 not an image at all", "not an image we can read"),
        (b"", "not an image we can read"),
        # A 50-megapixel image (1-bit, so the file itself is small): refused from its header.
        (None, "too large"),
        # A PNG "zip bomb": 30 000 × 30 000 declared, a few bytes of compressed data.
        (_png(30_000, 30_000, zlib.compress(b"\x00" * 10_000)), "too large"),
        # More than 8 MB on disk.
        (b"\xff\xd8\xff" + b"\x00" * (8 * 1024 * 1024 + 1), "at most 8 MB"),
    ],
    ids=["pdf", "empty", "50mp", "png-bomb", "oversized"],
)
def test_hostile_uploads_are_rejected_with_a_clear_message(
    clinic_a: ClinicWorld, data: bytes | None, message: str
) -> None:
    if data is None:
        buf = io.BytesIO()
        Image.new("1", (8660, 5774)).save(buf, "PNG")  # 50.0 MP
        data = buf.getvalue()
    day = treatment_day(clinic_a)
    with pytest.raises(PhotoRejected, match=message) as exc:
        _add(day, data, name="bad.png")
    assert exc.value.field == "image" and exc.value.status_code == 400
    assert not TreatmentPhoto.objects.exists()


def test_a_text_chunk_bomb_is_never_inflated_into_the_stored_photo(clinic_a: ClinicWorld) -> None:
    # A zTXt chunk that inflates to 50 MB. Pillow stops at MAX_TEXT_CHUNK: it raises (refused)
    # or, when another library set LOAD_TRUNCATED_IMAGES (WeasyPrint does), drops the text;
    # either way the re-encoded photo carries no text and stays tiny.
    bomb = _chunk(b"zTXt", b"k\x00\x00" + zlib.compress(b"A" * 50_000_000, 9))
    day = treatment_day(clinic_a)
    try:
        photo = _add(day, _png(4, 4, zlib.compress(b"\x00" * 52), bomb), name="bomb.png")
    except PhotoRejected as exc:
        assert "not an image" in exc.message
        return
    with photo.image.open("rb") as fh:
        stored = fh.read()
    assert len(stored) < 1000 and b"zTXt" not in stored


@settings(max_examples=60, deadline=None)
@given(noise=st.binary(min_size=0, max_size=2048), keep=st.integers(min_value=0, max_value=400))
def test_fuzzed_bytes_are_either_a_clean_image_or_a_clear_refusal(noise: bytes, keep: int) -> None:
    # Valid image prefixes with random tails, and random bytes: never a crash, never a stored
    # file that Pillow cannot read back.
    data = image_bytes(fmt="PNG")[:keep] + noise
    try:
        image, thumb = photo_files.prepare(upload(data, "fuzz.png"))
    except PhotoRejected as exc:
        assert exc.message.startswith("fuzz.png: ")
        return
    for f in (image, thumb):
        with Image.open(io.BytesIO(f.read())) as img:
            img.load()
