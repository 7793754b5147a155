"""Optional intake photos: checked with Pillow, stored without EXIF and upright, kept with the
intake, and served only to the clinic's staff (logged) and to the client themself."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from needlepoint import clock
from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.audit.models import AccessLog
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.intake.models import Intake, IntakePhoto, IntakeSource
from needlepoint.clinic.intake.services import IntakeInvalid, PhotoInput, submit_intake
from needlepoint.clinic.photos import validate_photo
from tests.clinic.journey_helpers import intake_data, intake_with_photo, photo_upload, png_bytes
from tests.conftest import ClinicWorld
from tests.portal.test_portal import sign_in


def jpeg_with_gps_rotated() -> bytes:
    """40×20 JPEG whose EXIF says "rotate 90° clockwise" and carries a GPS position."""
    exif = Image.Exif()
    exif[0x0112] = 6
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (52.0, 31.0, 12.0)
    buf = io.BytesIO()
    Image.new("RGB", (40, 20), "blue").save(buf, "JPEG", exif=exif.tobytes())
    return buf.getvalue()


def bomb_png(width: int = 50_000, height: int = 50_000) -> bytes:
    """A tiny PNG whose header declares a huge image (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0"))
        + chunk(b"IEND", b"")
    )


def _post(**extra: object) -> dict[str, object]:
    return {"fitzpatrick": "3", "area_cheeks": "acne_scars", "goals": "smoother cheeks", **extra}


def test_staff_upload_is_stored_without_exif_and_upright(client, clinic_a: ClinicWorld) -> None:
    client.force_login(clinic_a.users[Role.FRONT_DESK])
    url = reverse("intake-create", kwargs={"client_pk": clinic_a.client.pk})
    upload = SimpleUploadedFile("IMG_0001.jpg", jpeg_with_gps_rotated(), content_type="image/jpeg")
    response = client.post(url, _post(photo_0=upload, photo_0_area="cheeks", photo_0_caption="red marks"))
    assert response.status_code == 302
    photo = IntakePhoto.objects.get()
    assert (photo.intake, photo.area, photo.caption) == (Intake.objects.get(), "cheeks", "red marks")
    with photo.image.open("rb") as fh, Image.open(fh) as stored:
        assert stored.size == (20, 40)  # rotated per the orientation tag
        exif = stored.getexif()
        assert not exif and not exif.get_ifd(0x8825)  # no EXIF, no GPS
    assert photo.image.name.startswith("intake/") and "IMG_0001" not in photo.image.name  # random


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("notes.png", b"%PDF-1.4 not an image", "not an image we can read"),
        ("huge.png", b"\0" * (8 * 1024 * 1024 + 1), "at most 8 MB"),
        ("bomb.png", bomb_png(), "too large"),
    ],
)
def test_bad_files_are_refused_with_a_message_and_nothing_is_saved(
    client, clinic_a: ClinicWorld, name: str, data: bytes, message: str
) -> None:
    client.force_login(clinic_a.users[Role.FRONT_DESK])
    url = reverse("intake-create", kwargs={"client_pk": clinic_a.client.pk})
    response = client.post(url, _post(photo_0=SimpleUploadedFile(name, data, content_type="image/png")))
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body and name in body
    assert "smoother cheeks" in body  # what was typed is kept
    assert not Intake.objects.exists() and not IntakePhoto.objects.exists()


def test_pixel_limit_is_checked_before_decoding() -> None:
    with pytest.raises(ValidationError, match="too large"):
        validate_photo(SimpleUploadedFile("b.png", bomb_png(8_000, 6_000), content_type="image/png"))


def test_area_must_be_a_protocol_area_and_at_most_four_photos(clinic_a: ClinicWorld) -> None:
    def submit(photos: list[PhotoInput]) -> Intake:
        return submit_intake(
            clinic_a.client,
            intake_data(),
            actor=clinic_a.memberships[Role.FRONT_DESK],
            source=IntakeSource.STAFF,
            now=clock.now(),
            photos=photos,
        )

    with pytest.raises(IntakeInvalid) as bad_area:
        submit([PhotoInput(photo_upload(), "elbow")])
    assert "unknown area" in str(bad_area.value)
    with pytest.raises(IntakeInvalid) as too_many:
        submit([PhotoInput(photo_upload()) for _ in range(5)])
    assert "At most 4 photos" in str(too_many.value)
    assert not Intake.objects.exists() and not IntakePhoto.objects.exists()
    assert submit([PhotoInput(photo_upload(), "forehead")]).photos.count() == 1


def test_photos_are_kept_like_the_intake(clinic_a: ClinicWorld) -> None:
    photo = intake_with_photo(clinic_a).photos.get()
    with pytest.raises(PermissionError):
        photo.save()
    with pytest.raises(PermissionError):
        photo.delete()


def test_front_desk_sees_neither_photos_nor_captions(client, clinic_a: ClinicWorld) -> None:
    intake = intake_with_photo(clinic_a)
    url = reverse("intake-photo", kwargs={"photo_pk": intake.photos.get().pk})
    client.force_login(clinic_a.users[Role.FRONT_DESK])
    page = client.get(reverse("intake-detail", kwargs={"intake_pk": intake.pk})).content.decode()
    assert url not in page and "red marks" not in page and "Intake v1" in page
    assert client.get(url).status_code == 403 and client.get(url, {"size": "thumb"}).status_code == 403
    assert not AccessLog.objects.filter(action="view-intake-photo").exists()


@pytest.mark.parametrize("role", [Role.OWNER, Role.PRACTITIONER])
def test_staff_of_the_clinic_see_thumbnails_and_photos_and_the_read_is_logged(
    client, clinic_a: ClinicWorld, role: Role
) -> None:
    intake = intake_with_photo(clinic_a)
    photo = intake.photos.get()
    client.force_login(clinic_a.users[role])
    url = reverse("intake-photo", kwargs={"photo_pk": photo.pk})
    page = client.get(reverse("intake-detail", kwargs={"intake_pk": intake.pk})).content.decode()
    assert f"{url}?size=thumb" in page and "red marks" in page
    full = client.get(url)
    assert full.status_code == 200 and full["Content-Type"] == "image/png"
    assert full["Cache-Control"] == "private, no-store"
    thumb = client.get(url, {"size": "thumb"})
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    log = AccessLog.objects.filter(action="view-intake-photo", clinic=clinic_a.clinic)
    assert log.count() == 2 and log.first().client == clinic_a.client  # type: ignore[union-attr]


def test_other_clinics_staff_get_404(client, clinic_a: ClinicWorld, clinic_b: ClinicWorld) -> None:
    theirs = intake_with_photo(clinic_b).photos.get()
    client.force_login(clinic_a.users[Role.OWNER])
    assert client.get(reverse("intake-photo", kwargs={"photo_pk": theirs.pk})).status_code == 404
    assert not AccessLog.objects.filter(action="view-intake-photo").exists()


def test_portal_client_uploads_and_sees_only_their_own_photos(
    client, clinic_a: ClinicWorld, clinic_b: ClinicWorld
) -> None:
    slug = clinic_a.clinic.slug
    sign_in(client, clinic_a)
    response = client.post(
        reverse("portal-intake", kwargs={"slug": slug}),
        _post(photo_0=photo_upload("chin.png", png_bytes((30, 10))), photo_0_caption="spots"),
    )
    assert response.status_code == 302
    mine = IntakePhoto.objects.get()
    url = reverse("portal-intake-photo", kwargs={"slug": slug, "photo_pk": mine.pk})
    home = client.get(reverse("portal-home", kwargs={"slug": slug})).content.decode()
    assert f"{url}?size=thumb" in home
    assert client.get(url).status_code == 200 and client.get(url, {"size": "thumb"}).status_code == 200
    assert (
        AccessLog.objects.filter(action="view-intake-photo", client=clinic_a.client, user=None).count() == 2
    )

    other = Client.objects.create(
        clinic=clinic_a.clinic, first_name="Other", last_name="Person", date_of_birth="1985-01-01"
    )
    not_mine = intake_with_photo(clinic_a, client=other).photos.get()
    other_clinic = intake_with_photo(clinic_b).photos.get()
    for pk in (not_mine.pk, other_clinic.pk):
        assert (
            client.get(reverse("portal-intake-photo", kwargs={"slug": slug, "photo_pk": pk})).status_code
            == 404
        )
    # A session of clinic A is nothing in clinic B.
    theirs = reverse(
        "portal-intake-photo", kwargs={"slug": clinic_b.clinic.slug, "photo_pk": other_clinic.pk}
    )
    assert client.get(theirs).status_code == 302


def test_portal_bad_photo_is_a_form_error(client, clinic_a: ClinicWorld) -> None:
    sign_in(client, clinic_a)
    response = client.post(
        reverse("portal-intake", kwargs={"slug": clinic_a.clinic.slug}),
        _post(photo_0=SimpleUploadedFile("x.png", b"nope", content_type="image/png")),
    )
    assert response.status_code == 400 and "not an image we can read" in response.content.decode()
    assert not Intake.objects.exists()
