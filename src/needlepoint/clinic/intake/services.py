"""Submitting intakes. A new intake is a new version; an old one is never overwritten.

The client (portal), staff (entering it for them), the API and imports submit through one
service; permissions decides who may."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max

from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.errors import InvalidInput
from needlepoint.clinic.permissions import Action, Actor, membership_of, require
from needlepoint.clinic.photos import clean_photo, validate_photo
from needlepoint.protocol import Protocol, default_protocol

from .data import Errors, IntakeData, validate
from .models import Intake, IntakePhoto, IntakeSource

MAX_PHOTOS = 4


@dataclass(frozen=True)
class PhotoInput:
    """One optional photo of a skin concern: the upload, a protocol area code or "", a caption."""

    upload: UploadedFile
    area: str = ""
    caption: str = ""


class IntakeInvalid(InvalidInput, ValueError):
    """The intake breaks the protocol's vocabulary or rules; ``errors`` (= ``fields``) are keyed
    by form field."""

    def __init__(self, errors: Errors) -> None:
        super().__init__(fields=errors)

    @property
    def errors(self) -> Errors:
        return self.fields


def submit_intake(
    client: Client,
    data: IntakeData,
    *,
    actor: Actor,
    source: IntakeSource | str,
    now: datetime,
    protocol: Protocol | None = None,
    photos: Sequence[PhotoInput] = (),
) -> Intake:
    """A new version of the client's intake; staff behind the actor are recorded as entering it."""
    require(actor, Action.SUBMIT_INTAKE, client)
    protocol = protocol or default_protocol()
    errors = validate(data, protocol, today=now.date(), date_of_birth=client.date_of_birth)
    errors.update(_photo_errors(photos, data, protocol))
    if errors:
        raise IntakeInvalid(errors)
    cleaned = [(p, clean_photo(p.upload)) for p in photos]
    with transaction.atomic():
        # Lock the client row so two submissions cannot take the same version number (the
        # unique constraint is the backstop; SQLite's IMMEDIATE transactions serialise anyway).
        Client.objects.select_for_update().filter(pk=client.pk).first()
        last = (
            Intake.objects.for_clinic(client.clinic_id).filter(client=client).aggregate(v=Max("version"))["v"]
        )
        intake = Intake(
            clinic_id=client.clinic_id,
            client=client,
            version=(last or 0) + 1,
            source=source,
            entered_by=membership_of(actor),
            fitzpatrick=data.fitzpatrick,
            conditions=list(data.conditions),
            medications=data.medications_json(),
            skin_state=data.skin_state_json(),
            areas=data.areas_json(),
            allergies=data.allergies.strip(),
            other_conditions=data.other_conditions.strip(),
            other_medications=data.other_medications.strip(),
            goals=data.goals.strip(),
            protocol_id=protocol.id,
            protocol_version=protocol.version,
            submitted_at=now,
        )
        intake.full_clean()
        intake.save()
        for p, image in cleaned:
            IntakePhoto.objects.create(
                clinic_id=client.clinic_id, intake=intake, area=p.area, caption=p.caption.strip(), image=image
            )
    return intake


def _photo_errors(photos: Sequence[PhotoInput], data: IntakeData, protocol: Protocol) -> Errors:
    """Checked before anything is saved: count, area codes, and each file with Pillow."""
    problems: list[str] = []
    if len(photos) > MAX_PHOTOS:
        problems.append(f"At most {MAX_PHOTOS} photos.")
    for p in photos:
        if p.area and not protocol.is_area(p.area):
            problems.append(f"{p.upload.name}: unknown area.")
        if len(p.caption) > 200:
            problems.append(f"{p.upload.name}: the caption is too long (200 characters at most).")
        try:
            validate_photo(p.upload)
        except ValidationError as exc:
            problems.extend(exc.messages)
    return {"photos": problems} if problems else {}
