"""Clients (patients) of a clinic. Everything here is PHI: reads are audit-logged."""

from __future__ import annotations

from datetime import date

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from needlepoint.clinic.clinics.models import ClinicOwned, Location


class Fitzpatrick(models.IntegerChoices):
    I = 1, "I — always burns, never tans"  # noqa: E741
    II = 2, "II — usually burns, tans with difficulty"
    III = 3, "III — sometimes burns, tans gradually"
    IV = 4, "IV — rarely burns, tans easily"
    V = 5, "V — very rarely burns, tans very easily"
    VI = 6, "VI — never burns, deeply pigmented"


class Client(ClinicOwned):
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    email = models.EmailField(blank=True)
    phone = models.CharField(
        max_length=40, blank=True, help_text="International format, e.g. +44 20 7946 0000"
    )
    fitzpatrick = models.PositiveSmallIntegerField(
        "Fitzpatrick skin type",
        choices=Fitzpatrick.choices,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(6)],
    )
    preferred_location = models.ForeignKey(
        Location, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    consent_email = models.BooleanField("may receive email", default=False)
    consent_sms = models.BooleanField("may receive text messages", default=False)
    consent_updated_at = models.DateTimeField(null=True, blank=True)
    is_archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["clinic", "last_name", "first_name"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fitzpatrick__isnull=True)
                | models.Q(fitzpatrick__gte=1, fitzpatrick__lte=6),
                name="client_fitzpatrick_1_6",
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def age_on(self, day: date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
