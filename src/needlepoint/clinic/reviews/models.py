"""Client reviews of a finished series. The client's rating and words are never edited by staff:
moderation only publishes or rejects (with a reason); the client may withdraw at any time."""

from __future__ import annotations

from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from needlepoint.clinic.accounts.models import Membership
from needlepoint.clinic.booking.models import Series
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import ClinicOwned


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "Awaiting moderation"
    PUBLISHED = "published", "Published"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn by the client"


class Review(ClinicOwned):
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="reviews")
    series = models.OneToOneField(Series, on_delete=models.PROTECT, related_name="review")
    # A snapshot of what was treated, shown beside the review (e.g. "Face — acne scars").
    treatment = models.CharField(max_length=200)
    rating = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    text = models.TextField(max_length=4000)
    display_name = models.CharField(
        max_length=60, help_text="How the client wants to be named, e.g. 'Anna K.'"
    )
    status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    submitted_at = models.DateTimeField()
    moderated_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.CharField(max_length=300, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["clinic", "status", "published_at"], name="review_public")]
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="review_rating_1_5"),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reject_reason=""), name="review_rejected_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="review_published_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating}★ by {self.display_name} ({self.get_status_display()})"

    # The client's words are theirs: once stored, no code path may change them.
    _FROZEN = ("rating", "text", "display_name")

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any, **kwargs: Any) -> Review:
        obj = super().from_db(db, field_names, values, **kwargs)
        if set(cls._FROZEN) <= set(field_names):
            obj._as_written = tuple(getattr(obj, f) for f in cls._FROZEN)
        return obj

    def save(self, *args: Any, **kwargs: Any) -> None:
        written = getattr(self, "_as_written", None)
        if written is not None and written != tuple(getattr(self, f) for f in self._FROZEN):
            raise ValueError("A client's review cannot be edited; publish, reject or let them withdraw it.")
        super().save(*args, **kwargs)
        self._as_written = tuple(getattr(self, f) for f in self._FROZEN)
