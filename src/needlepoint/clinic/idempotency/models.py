"""A write's Idempotency-Key and the response it got, so a retry gets that response back
instead of doing the write again (booking twice)."""

from __future__ import annotations

from django.db import models

from needlepoint.clinic.accounts.models import ApiToken
from needlepoint.clinic.clinics.models import ClinicOwned


class IdempotencyKey(ClinicOwned):
    """One key per (clinic, token): keys of different tokens never meet. The unique constraint
    is what makes two simultaneous requests with one key write once: the second insert waits
    for the first transaction and then finds its row."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    #: SHA-256 of method, path and body: the same key with another request is refused.
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    content = models.TextField(blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "token", "key"], name="one_idempotency_key_per_token")
        ]
        indexes = [models.Index(fields=["token", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code})"
