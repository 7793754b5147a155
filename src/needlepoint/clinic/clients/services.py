"""Writes to client records."""

from __future__ import annotations

from needlepoint import clock

from .models import Client


def save_client(client: Client, *, consent_changed: bool) -> Client:
    # A change of messaging consent is dated: later messaging must be able to prove it.
    if consent_changed or client.pk is None:
        client.consent_updated_at = clock.now()
    client.full_clean()
    client.save()
    return client


def archive_client(client: Client) -> None:
    client.is_archived = True
    client.save(update_fields=["is_archived", "updated_at"])
