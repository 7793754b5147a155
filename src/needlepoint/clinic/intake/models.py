"""Intake questionnaires: what the client tells us before treatment. Versioned per client and
immutable once submitted, so a plan can always show exactly what it was screened against.

The structured fields hold protocol codes (conditions, medications, skin states, areas,
indications) that map 1:1 onto the engine's ClientProfile / TreatmentRequest; free text is for
the practitioner only and never drives a rule.
"""

from __future__ import annotations

from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from needlepoint.clinic.accounts.models import Membership
from needlepoint.clinic.clients.models import Client, Fitzpatrick
from needlepoint.clinic.clinics.models import ClinicOwned


class IntakeSource(models.TextChoices):
    PORTAL = "portal", "Client portal"
    TABLET = "tablet", "Clinic tablet"
    STAFF = "staff", "Entered by staff"


class Intake(ClinicOwned):
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="intakes")
    version = models.PositiveIntegerField()
    source = models.CharField(max_length=10, choices=IntakeSource.choices)
    entered_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    fitzpatrick = models.PositiveSmallIntegerField(
        choices=Fitzpatrick.choices, validators=[MinValueValidator(1), MaxValueValidator(6)]
    )
    #: Protocol codes: ["herpes_simplex_history", ...]
    conditions = models.JSONField(default=list, blank=True)
    #: [{"code": "isotretinoin", "stopped_on": "2026-01-31" | null}]
    medications = models.JSONField(default=list, blank=True)
    #: {"cheeks": [{"code": "sunburn", "since": "2026-05-01" | null}], "face": [...]}
    skin_state = models.JSONField(default=dict, blank=True)
    #: [{"area": "cheeks", "indication": "acne_scars", "goodman_baron_grade": 3 | null}]
    areas = models.JSONField(default=list)
    allergies = models.TextField(blank=True)
    other_conditions = models.TextField(blank=True)
    other_medications = models.TextField(blank=True)
    goals = models.TextField(blank=True)
    protocol_id = models.CharField(max_length=80)
    protocol_version = models.CharField(max_length=40)
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["client", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["client", "version"], name="intake_version_unique_per_client"),
            models.CheckConstraint(
                condition=models.Q(fitzpatrick__gte=1, fitzpatrick__lte=6), name="intake_fitzpatrick_1_6"
            ),
        ]

    def __str__(self) -> str:
        return f"Intake v{self.version} of {self.client}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("A submitted intake cannot be changed; submit a new version.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Intakes are kept: a plan may have been screened against this one.")


class IntakePhoto(ClinicOwned):
    """A photo of a skin concern the client added to an intake (optional). Kept like the intake."""

    intake = models.ForeignKey(Intake, on_delete=models.PROTECT, related_name="photos")
    #: A protocol area code ("cheeks"), or blank.
    area = models.CharField(max_length=40, blank=True)
    caption = models.CharField(max_length=200, blank=True)
    image = models.ImageField(upload_to="intake/%Y/%m/")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["intake", "pk"]

    def __str__(self) -> str:
        return f"Photo {self.pk} of {self.intake}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("An intake photo cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Intake photos are kept with their intake.")
