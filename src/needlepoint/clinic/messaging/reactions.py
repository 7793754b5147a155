"""Reaction reports from clients (the 48 h check-in links here). Red-flag answers open an
adverse event and alert the clinic's active owners and practitioners at once, in one transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from needlepoint import clock
from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.errors import Conflict, InvalidInput
from needlepoint.clinic.outcomes.models import AdverseEvent, Severity
from needlepoint.clinic.outcomes.services import open_adverse_event, type_for_symptoms
from needlepoint.clinic.permissions import Action, Actor, SystemActor, require_staff
from needlepoint.clinic.photos import clean_photo, validate_photo

from .models import ReactionPhoto, ReactionReport, ReportSource
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
# The protocol's "when to call us" list (aftercare.call_clinic): infection and herpes signs, and
# the words a client uses for them in a free-text reply (an SMS or email answer). One list: the
# report form's red-flag symptoms are this table's keys.
RED_FLAG_WORDS: dict[str, tuple[str, ...]] = {
    "fever": ("fever", "feverish", "high temperature", "a temperature", "chills", "shivering", "shivers"),
    "spreading_redness": ("spreading", "red streak", "red streaks", "red lines", "getting redder"),
    "pus": ("pus", "oozing", "discharge", "infected", "infection", "abscess"),
    "severe_pain": (
        "severe pain",
        "very painful",
        "really painful",
        "excruciating",
        "unbearable",
        "agony",
        "throbbing",
        "pain is worse",
        "pain getting worse",
    ),
    "cold_sore": ("cold sore", "cold sores", "herpes", "blister", "blisters"),
}
RED_FLAGS = frozenset(RED_FLAG_WORDS)
_RED_FLAG_PATTERNS = {
    code: re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE)
    for code, words in RED_FLAG_WORDS.items()
}
MAX_PHOTOS = 4


@dataclass(frozen=True)
class ReportInput:
    symptoms: list[str]
    days_since_session: int | None
    redness_days: int | None
    free_text: str


def red_flags_of(data: ReportInput) -> list[str]:
    return [s for s in data.symptoms if s in RED_FLAGS]


def red_flags_in_text(text: str) -> list[str]:
    """The red-flag symptoms a free-text reply names ("I have a fever and it's oozing").
    Errs towards alerting: a negation ("no fever") still counts; staff triage the report."""
    words = " ".join(text.split())
    return [code for code, pattern in _RED_FLAG_PATTERNS.items() if pattern.search(words)]


def prolonged_redness(data: ReportInput, redness_days_flag: int) -> bool:
    """Redness beyond the clinic's N days: shown to staff, not a red flag on its own."""
    return "redness" in data.symptoms and (data.redness_days or 0) > redness_days_flag


class ReportInvalid(InvalidInput):
    """The report cannot be taken as sent (unknown symptom, too many or unreadable photos)."""


@transaction.atomic
def submit_report(
    client: Client,
    appointment: Appointment | None,
    data: ReportInput,
    photos: list[UploadedFile],
    *,
    source: str = ReportSource.PORTAL,
) -> tuple[ReactionReport, AdverseEvent | None]:
    if not data.symptoms and not data.free_text.strip() and not photos:
        # An empty report would sit in the staff list telling nobody anything.
        raise ReportInvalid(
            "Tick what you notice, write a few words or add a photo: an empty report tells your "
            "practitioner nothing."
        )
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
        source=source,
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
        {
            "client_name": client.full_name,
            "symptoms": ", ".join(SYMPTOMS[s] for s in data.symptoms),
            "red_flags": ", ".join(SYMPTOMS.get(f, f) for f in flags),
            "free_text": data.free_text,
        },
        key=f"alert.r{report.pk}",
    )
    return report, event


@transaction.atomic
def acknowledge_red_flag(report: ReactionReport, *, actor: Actor, now: datetime) -> ReactionReport:
    """A clinician has seen the red-flag report: it stops heading the day sheet. Who and when
    are kept on the row (and, through django-auditlog, in the audit trail)."""
    who = require_staff(actor, Action.ACKNOWLEDGE_RED_FLAG, report)
    report = ReactionReport.objects.select_for_update().get(pk=report.pk)
    if not report.red_flags:
        raise InvalidInput("This report has no red flags to acknowledge.")
    if report.acknowledged_at is not None:
        name = report.acknowledged_by.name if report.acknowledged_by else "someone"
        raise Conflict(f"Already acknowledged by {name}.", code="already_acknowledged")
    report.acknowledged_by = who
    report.acknowledged_at = now
    report.save(update_fields=["acknowledged_by", "acknowledged_at"])
    return report
