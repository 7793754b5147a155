"""Reads about a clinic itself."""

from __future__ import annotations

from datetime import date, datetime

from needlepoint import clock

from .models import Clinic, Location


def clinic_zone(clinic: Clinic | int) -> str:
    """The clinic's time zone for dates that belong to no one location (planning, quotes,
    'not in the past'): its first active location's, else UTC."""
    zone = (
        Location.objects.for_clinic(clinic)
        .filter(is_active=True)
        .order_by("pk")
        .values_list("timezone", flat=True)
        .first()
    )
    return zone or "UTC"


def clinic_today(clinic: Clinic | int, now: datetime | None = None) -> date:
    """Today at the clinic (the booking series search uses the same zone when no location is chosen)."""
    return clock.local_date(now or clock.now(), clinic_zone(clinic))
