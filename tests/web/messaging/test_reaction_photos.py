"""Reaction photos: stored without EXIF and upright; owners and practitioners of the clinic can
open them (logged), everyone else gets 404 (or 403 for the front desk)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.audit.models import AccessLog
from needlepoint.clinic.messaging.models import ReactionPhoto
from needlepoint.clinic.messaging.reactions import ReportInput, submit_report
from tests.conftest import ClinicWorld
from tests.web.test_isolation import EXTRA_ROUTES

# The platform's route census (tests/web/test_isolation.py) must know every <int:...> route.
EXTRA_ROUTES.update({"reaction-photo": "reaction_photo"})


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


def _jpeg_with_gps_rotated() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (52.0, 31.0, 12.0)
    buf = io.BytesIO()
    Image.new("RGB", (40, 20), "blue").save(buf, "JPEG", exif=exif.tobytes())
    return buf.getvalue()


def reaction_photo(world: ClinicWorld) -> ReactionPhoto:
    """A report with one photo (the census's "reaction_photo" object kind)."""
    upload = SimpleUploadedFile("cheek.jpg", _jpeg_with_gps_rotated(), content_type="image/jpeg")
    report, _ = submit_report(world.client, None, ReportInput(["redness"], 2, 2, "see photo"), [upload])
    return report.photos.get()  # type: ignore[no-any-return]


def test_reaction_photo_is_stored_without_exif_and_upright(clinic_a: ClinicWorld) -> None:
    photo = reaction_photo(clinic_a)
    with photo.image.open("rb") as fh, Image.open(fh) as stored:
        assert stored.size == (20, 40)
        assert not stored.getexif() and not stored.getexif().get_ifd(0x8825)


@pytest.mark.parametrize("role", [Role.OWNER, Role.PRACTITIONER])
def test_clinical_staff_open_photos_from_the_reports_list(
    client: Any, clinic_a: ClinicWorld, role: Role
) -> None:
    photo = reaction_photo(clinic_a)
    client.force_login(clinic_a.users[role])
    url = reverse("reaction-photo", kwargs={"photo_pk": photo.pk})
    page = client.get(reverse("reaction-reports")).content.decode()
    assert f'href="{url}"' in page and f"{url}?size=thumb" in page
    full = client.get(url)
    assert full.status_code == 200 and full["Content-Type"] == "image/jpeg"
    assert full["Cache-Control"] == "private, no-store"
    assert client.get(url, {"size": "thumb"}).status_code == 200
    log = AccessLog.objects.filter(
        action="view-reaction-photo", clinic=clinic_a.clinic, client=clinic_a.client
    )
    assert log.count() == 2


def test_front_desk_and_other_clinics_cannot_open_photos(
    client: Any, clinic_a: ClinicWorld, clinic_b: ClinicWorld
) -> None:
    mine, theirs = reaction_photo(clinic_a), reaction_photo(clinic_b)
    client.force_login(clinic_a.users[Role.FRONT_DESK])
    assert client.get(reverse("reaction-photo", kwargs={"photo_pk": mine.pk})).status_code == 403
    for role in (Role.OWNER, Role.PRACTITIONER):
        client.force_login(clinic_a.users[role])
        assert client.get(reverse("reaction-photo", kwargs={"photo_pk": theirs.pk})).status_code == 404
    client.logout()
    assert client.get(reverse("reaction-photo", kwargs={"photo_pk": mine.pk})).status_code == 302
    assert not AccessLog.objects.filter(action="view-reaction-photo").exists()


def test_bad_reaction_photo_is_refused(client: Any, clinic_a: ClinicWorld) -> None:
    from needlepoint.clinic.messaging import services
    from tests.web.journey.test_intake_photos import bomb_png

    token = services.checkin_token(clinic_a.client.pk, None)
    url = reverse("portal-reaction", kwargs={"slug": clinic_a.clinic.slug}) + f"?t={token}"
    bomb = SimpleUploadedFile("bomb.png", bomb_png(), content_type="image/png")
    response = client.post(url, {"symptoms": ["redness"], "free_text": "kept text", "photos": [bomb]})
    assert response.status_code == 400
    assert b"too large" in response.content and b"kept text" in response.content
    assert not ReactionPhoto.objects.exists()
