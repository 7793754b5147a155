"""Reaction reports from clients (the 48 h check-in links here). Red-flag answers open an
adverse event and alert the clinic's owners and practitioners at once, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from needlepoint import clock
from needlepoint.clinic.accounts.models import Membership, Role
from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.errors import InvalidInput
from needlepoint.clinic.outcomes.models import AdverseEvent, Severity
from needlepoint.clinic.outcomes.services import open_adverse_event, type_for_symptoms
from needlepoint.clinic.permissions import SystemActor
from needlepoint.clinic.photos import clean_photo, validate_photo

from .models import ReactionPhoto, ReactionReport
from .services import enqueue_staff_alert

SYMPTOMS: dict[str, str] = {
    "redness": "Redness",
    "swelling": "Swelling",
    "bruising": "Bruising",
    "bleeding": "Bleeding",
    "pain": "Pain",
    "pigment_change": "Darker or lighter patches",
    "infection_signs": "Warmth, tenderness or crusting",
    "fever": "Fever or feeling unwell",
    "spreading_redness": "Redness that is spreading",
    "pus": "Pus or yellow discharge",
    "severe_pain": "Severe or worsening pain",
    "cold_sore": "Cold sore",
}
# The protocol's "when to call us" list (aftercare.call_clinic): infection and herpes signs.
RED_FLAGS = frozenset({"fever", "spreading_redness", "pus", "severe_pain", "cold_sore"})
MAX_PHOTOS = 4


@dataclass(frozen=True)
class ReportInput:
    symptoms: list[str]
    days_since_session: int | None
    redness_days: int | None
    free_text: str


def red_flags_of(data: ReportInput) -> list[str]:
    return [s for s in data.symptoms if s in RED_FLAGS]


def prolonged_redness(data: ReportInput, redness_days_flag: int) -> bool:
    """Redness beyond the clinic's N days: shown to staff, not a red flag on its own."""
    return "redness" in data.symptoms and (data.redness_days or 0) > redness_days_flag


def staff_addresses(clinic_id: int) -> list[str]:
    rows = Membership.objects.filter(
        clinic_id=clinic_id, role__in=[Role.OWNER, Role.PRACTITIONER], user__is_active=True
    ).values_list("user__email", flat=True)
    return sorted({e for e in rows if e})


class ReportInvalid(InvalidInput):
    """The report cannot be taken as sent (unknown symptom, too many or unreadable photos)."""


@transaction.atomic
def submit_report(
    client: Client, appointment: Appointment | None, data: ReportInput, photos: list[UploadedFile]
) -> tuple[ReactionReport, AdverseEvent | None]:
    unknown = [s for s in data.symptoms if s not in SYMPTOMS]
    if unknown:
        raise ReportInvalid(f"Unknown symptoms: {', '.join(unknown)}", field="symptoms")
    if len(photos) > MAX_PHOTOS:
        raise ReportInvalid(f"At most {MAX_PHOTOS} photos.", field="photos")
    for p in photos:
        try:
            validate_photo(p)
        except ValidationError as exc:
            raise ReportInvalid(" ".join(exc.messages), field="photos") from exc
    cleaned = [clean_photo(p) for p in photos]
    if appointment is not None and appointment.client_id != client.pk:
        appointment = None  # never attach a report to someone else's appointment
    flags = red_flags_of(data)
    report = ReactionReport.objects.create(
        clinic_id=client.clinic_id,
        client=client,
        appointment=appointment,
        symptoms=data.symptoms,
        days_since_session=data.days_since_session,
        redness_days=data.redness_days,
        free_text=data.free_text,
        red_flags=flags,
    )
    for image in cleaned:
        ReactionPhoto.objects.create(clinic_id=client.clinic_id, report=report, image=image)
    if not flags:
        return report, None
    today = clock.now().date()
    event = open_adverse_event(
        client.clinic,
        # The client reports; Needlepoint opens the event for the clinic (clients do not open them).
        actor=SystemActor(client.clinic_id, "reaction report"),
        client=client,
        appointment=appointment,
        source=f"reaction_report:{report.pk}",
        type=type_for_symptoms(flags),
        symptoms=flags,
        severity=Severity.SEVERE if {"fever", "spreading_redness", "pus"} & set(flags) else Severity.MODERATE,
        onset=today - timedelta(days=data.days_since_session) if data.days_since_session else today,
        description=data.free_text,
    )
    enqueue_staff_alert(
        client.clinic_id,
        client,
        appointment.pk if appointment else None,
        staff_addresses(client.clinic_id),
        {
            "client_name": client.full_name,
            "symptoms": ", ".join(SYMPTOMS[s] for s in data.symptoms),
            "red_flags": ", ".join(SYMPTOMS.get(f, f) for f in flags),
            "free_text": data.free_text,
        },
        key=f"alert.r{report.pk}",
    )
    return report, event
