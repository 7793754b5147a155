"""Hostile photos from clients, through every surface that takes one (staff intake form, portal
intake, reaction report): damaged files are a 400 with a message and nothing stored — also with
WeasyPrint loaded, which makes Pillow accept truncated images process-wide —, comments and EXIF
never reach the stored file, and stored names are random."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.urls import reverse
from PIL import Image, ImageFile

from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.intake.models import Intake, IntakePhoto
from needlepoint.clinic.messaging import services as messaging
from needlepoint.clinic.messaging.models import ReactionPhoto, ReactionReport
from needlepoint.portal.session import SESSION_KEY
from tests.conftest import ClinicWorld
from tests.media import exif_with_gps, jpeg_bytes, png_text_bomb_after_idat, truncated_jpeg

COMMENT = b"Zelda ClientA, 12 Secret Lane"
UPLOAD_NAME = "ZeldaA_ClientA_left_cheek.jpg"
Post = Callable[[HttpClient, ClinicWorld, SimpleUploadedFile], Any]


def _intake_form(**extra: object) -> dict[str, object]:
    return {"fitzpatrick": "3", "area_cheeks": "acne_scars", "goals": "smoother cheeks", **extra}


def staff_intake(http: HttpClient, world: ClinicWorld, upload: SimpleUploadedFile) -> Any:
    http.force_login(world.users[Role.PRACTITIONER])  # type: ignore[arg-type]
    url = reverse("intake-create", kwargs={"client_pk": world.client.pk})  # type: ignore[attr-defined]
    return http.post(url, _intake_form(photo_0=upload, photo_0_area="cheeks"))


def portal_intake(http: HttpClient, world: ClinicWorld, upload: SimpleUploadedFile) -> Any:
    session = http.session
    session[SESSION_KEY] = {"client": world.client.pk, "clinic": world.clinic.pk}  # type: ignore[attr-defined]
    session.save()
    url = reverse("portal-intake", kwargs={"slug": world.clinic.slug})  # type: ignore[attr-defined]
    return http.post(url, _intake_form(photo_0=upload))


def reaction_report(http: HttpClient, world: ClinicWorld, upload: SimpleUploadedFile) -> Any:
    token = messaging.checkin_token(world.client.pk, None)  # type: ignore[attr-defined]
    url = reverse("portal-reaction", kwargs={"slug": world.clinic.slug}) + f"?t={token}"  # type: ignore[attr-defined]
    return http.post(url, {"symptoms": ["swelling"], "free_text": "see photo", "photos": [upload]})


SURFACES: dict[str, Post] = {
    "staff intake": staff_intake,
    "portal intake": portal_intake,
    "reaction report": reaction_report,
}


def _stored_photos() -> list[Any]:
    return [p.image for p in IntakePhoto.objects.all()] + [p.image for p in ReactionPhoto.objects.all()]


def _files(settings: Any) -> list[Path]:
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture(params=[False, True], ids=["pillow-default", "weasyprint-loaded"])
def truncated_images_allowed(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Also run with the process-wide flag WeasyPrint sets on import (PDFs are made in-process)."""
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", ImageFile.LOAD_TRUNCATED_IMAGES)  # restored after
    if request.param:
        import weasyprint  # noqa: F401 - sets the flag when first imported
    # Pinned either way: an earlier test that rendered a PDF has already imported WeasyPrint.
    ImageFile.LOAD_TRUNCATED_IMAGES = bool(request.param)
    return bool(request.param)


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize(
    ("name", "make"),
    [("cut-off.jpg", truncated_jpeg), ("text-bomb.png", png_text_bomb_after_idat)],
)
def test_damaged_images_are_refused_with_a_message_and_nothing_is_stored(
    client: HttpClient,
    clinic_a: ClinicWorld,
    settings: Any,
    truncated_images_allowed: bool,
    surface: str,
    name: str,
    make: Callable[[], bytes],
) -> None:
    upload = SimpleUploadedFile(name, make(), content_type="image/jpeg")
    response = SURFACES[surface](client, clinic_a, upload)
    body = response.content.decode()
    assert response.status_code == 400, body[:300]
    assert f"{name}: not an image we can read" in body and "damaged" in body
    assert not Intake.objects.exists() and not ReactionReport.objects.exists()
    assert not _stored_photos() and not _files(settings)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is truncated_images_allowed  # the flag is left as it was


@pytest.mark.parametrize("surface", SURFACES)
def test_comments_and_exif_never_reach_the_stored_file_and_its_name_is_random(
    client: HttpClient, clinic_a: ClinicWorld, settings: Any, surface: str
) -> None:
    data = jpeg_bytes(comment=COMMENT, exif=exif_with_gps())
    with Image.open(io.BytesIO(data)) as original:  # the upload really carries both
        assert original.info["comment"] == COMMENT and original.getexif()
    response = SURFACES[surface](client, clinic_a, SimpleUploadedFile(UPLOAD_NAME, data, "image/jpeg"))
    assert response.status_code in (200, 302)
    (image,) = _stored_photos()
    with image.open("rb") as fh:
        stored = fh.read()
    with Image.open(io.BytesIO(stored)) as img:
        assert "comment" not in img.info and "exif" not in img.info and not img.getexif()
    assert COMMENT not in stored and b"SecretCam" not in stored and b"Exif" not in stored
    # No trace of the uploaded name on disk (it may carry the client's name).
    (path,) = _files(settings)
    assert re.fullmatch(r"[0-9a-f]{24}\.jpg", path.name), path.name
    assert not any(part in str(path) for part in ("Zelda", "ClientA", "cheek"))
