"""Outcome scores per session and area, and adverse events with their follow-up tasks."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from needlepoint.clinic.accounts.models import Membership
from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import ClinicOwned, Device


class Severity(models.TextChoices):
    # CTCAE-style grades 1–4 (grade 5, death, is not a status a clinic records here).
    MILD = "mild", "Mild (grade 1)"
    MODERATE = "moderate", "Moderate (grade 2)"
    SEVERE = "severe", "Severe (grade 3)"
    LIFE_THREATENING = "life_threatening", "Life-threatening (grade 4)"


class EventStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Resolved"


class EventType(models.TextChoices):
    # The seed's risks plus the literature's (CLINICAL.md "Risks").
    BRUISING = "bruising", "Bruising"
    BLEEDING = "bleeding", "Bleeding"
    INFECTION = "infection", "Infection"
    SCARRING = "scarring", "Scarring (incl. tram-track)"
    PIGMENT_CHANGE = "pigment_change", "Pigment change (PIH / hypopigmentation)"
    GRANULOMA = "granuloma", "Granulomatous reaction"
    HERPES = "herpes_reactivation", "Herpes reactivation"
    ALLERGY = "allergic_reaction", "Allergic reaction"
    PROLONGED_ERYTHEMA = "prolonged_erythema", "Prolonged redness or swelling"
    ANAESTHETIC = "anaesthetic_reaction", "Reaction to the numbing cream"
    OTHER = "other", "Other"


class EventSource(models.TextChoices):
    CLIENT_REPORT = "client_report", "Client report"
    STAFF = "staff", "Staff entry"
    CHART = "chart", "Treatment chart"


class AdverseEvent(ClinicOwned):
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="adverse_events")
    appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(max_length=40, help_text="Where it came from, e.g. reaction_report:12")
    origin = models.CharField(max_length=16, choices=EventSource.choices, default=EventSource.STAFF)
    type = models.CharField(max_length=80, choices=EventType.choices)
    symptoms = models.CharField(
        max_length=200, blank=True, help_text="Reported symptom codes, e.g. fever,pus"
    )
    severity = models.CharField(max_length=20, choices=Severity.choices, default=Severity.MODERATE)
    onset = models.DateField(null=True, blank=True)
    area = models.CharField(max_length=60, blank=True, help_text="Protocol area code, e.g. cheeks")
    device = models.ForeignKey(Device, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    lot = models.ForeignKey(
        "treatments.Lot", on_delete=models.PROTECT, null=True, blank=True, related_name="adverse_events"
    )
    lot_code = models.CharField(max_length=80, blank=True, help_text="Cartridge lot as recorded")
    description = models.TextField(blank=True)
    treatment_given = models.TextField(blank=True)
    status = models.CharField(max_length=8, choices=EventStatus.choices, default=EventStatus.OPEN)
    reported_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_on = models.DateField(null=True, blank=True)
    resolution = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["clinic", "status", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", resolved_on__isnull=True)
                | Q(status="closed", resolved_on__isnull=False),
                name="ae_resolved_iff_closed",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} ({self.get_status_display()}) for {self.client}"


class FollowUpTask(ClinicOwned):
    event = models.ForeignKey(AdverseEvent, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=200)
    due_on = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["done_at", "due_on", "pk"]

    def __str__(self) -> str:
        return self.title


class OutcomeScore(ClinicOwned):
    """One scale's value for one area at one session (or, for satisfaction, the client's rating).

    ``improvement`` is filled by the service for the whole (client, area, scale) chain, oriented so
    that positive is better; ``is_latest`` marks the chain's last score, the unit analytics count.
    """

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="outcome_scores")
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="+")
    practitioner = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    area = models.CharField(max_length=60, blank=True)
    indication = models.CharField(max_length=60, blank=True)
    scale = models.CharField(max_length=40)
    value = models.IntegerField()
    detail = models.JSONField(default=dict, blank=True, help_text="e.g. lesion counts per scar type")
    session_at = models.DateTimeField(help_text="The session's start, copied for ordering")
    improvement = models.IntegerField(null=True, blank=True)
    is_latest = models.BooleanField(default=True)
    recorded_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["session_at", "area", "scale"]
        indexes = [
            models.Index(fields=["client", "area", "scale", "session_at"], name="outcome_chain"),
            models.Index(fields=["clinic", "scale", "is_latest"], name="outcome_latest"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["appointment", "area", "scale"], name="outcome_once_per_session")
        ]

    def __str__(self) -> str:
        return f"{self.scale}={self.value} ({self.area or 'overall'})"
