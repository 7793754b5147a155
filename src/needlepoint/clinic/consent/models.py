"""Consent: a versioned document generated from a confirmed plan, and the client's signature.

Both are immutable once written (save and delete refuse). A signature stores the typed name,
the drawn signature (PNG), when/where it was signed, a SHA-256 over the exact document text and
the signature, and the signed PDF (under the media storage, served only by authorised views).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import models

from needlepoint.clinic.accounts.models import Membership
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import ClinicOwned
from needlepoint.clinic.plans.models import TreatmentPlan


class _WriteOnce(ClinicOwned):
    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError(f"{self._meta.verbose_name} is immutable once written.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError(f"{self._meta.verbose_name} cannot be deleted.")


class ConsentDocument(_WriteOnce):
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="consent_documents")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    #: The canonical text (what is hashed, shown and printed).
    text = models.TextField()
    text_sha256 = models.CharField(max_length=64)
    protocol_id = models.CharField(max_length=80)
    protocol_version = models.CharField(max_length=40)
    created_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "version"], name="consent_version_unique_per_plan")
        ]

    def __str__(self) -> str:
        return f"Consent v{self.version} for plan #{self.plan_id}"


class SigningChannel(models.TextChoices):
    PORTAL = "portal", "Client portal"
    TABLET = "tablet", "Clinic tablet"


def _pdf_path(instance: ConsentSignature, filename: str) -> str:
    return f"consent/{instance.clinic_id}/{filename}"


class ConsentSignature(_WriteOnce):
    document = models.OneToOneField(ConsentDocument, on_delete=models.PROTECT, related_name="signature")
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="consent_signatures")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    typed_name = models.CharField(max_length=200)
    signature_png = models.BinaryField()
    signed_at = models.DateTimeField()
    channel = models.CharField(max_length=10, choices=SigningChannel.choices)
    witnessed_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    sha256 = models.CharField(max_length=64)
    pdf = models.FileField(upload_to=_pdf_path, max_length=200)
    pdf_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-signed_at"]

    def __str__(self) -> str:
        return f"Signed by {self.typed_name} on {self.signed_at:%Y-%m-%d}"

    def recompute_sha256(self) -> str:
        return signature_hash(
            self.document.text, self.typed_name, self.signed_at.isoformat(), bytes(self.signature_png)
        )

    @property
    def is_intact(self) -> bool:
        return self.recompute_sha256() == self.sha256


def signature_hash(text: str, typed_name: str, signed_at_iso: str, png: bytes) -> str:
    """SHA-256 over the canonical document text and the signature (name, time, drawing),
    separated so that no two different inputs concatenate to the same bytes."""
    h = hashlib.sha256()
    for part in (b"needlepoint-consent/1", text.encode(), typed_name.encode(), signed_at_iso.encode(), png):
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()
