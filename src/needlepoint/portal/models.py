"""Passwordless sign-in for clients: single-use, expiring links whose tokens are stored hashed."""

from __future__ import annotations

from django.db import models

from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import ClinicOwned


class MagicLink(ClinicOwned):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    #: SHA-256 of the token; the token itself exists only in the email.
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    requested_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["client", "-created_at"])]


class LoginRequest(ClinicOwned):
    """One request for a link, kept for rate limiting whether or not the email is known."""

    #: SHA-256 of the normalised email, so the table holds no addresses of strangers.
    email_hash = models.CharField(max_length=64, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(db_index=True)
