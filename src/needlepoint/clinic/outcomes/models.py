"""Adverse events. Minimal on purpose: a later issue grows it (grading, follow-up, reporting)."""

from __future__ import annotations

from django.db import models

from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import ClinicOwned


class Severity(models.TextChoices):
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"


class EventStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class AdverseEvent(ClinicOwned):
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="adverse_events")
    appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(max_length=40, help_text="Where it came from, e.g. reaction_report:12")
    type = models.CharField(max_length=80, help_text="Symptom codes, e.g. fever,pus")
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MODERATE)
    onset = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=8, choices=EventStatus.choices, default=EventStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["clinic", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.type} ({self.get_status_display()}) for {self.client}"
