"""Times are stored in UTC and shown in the location's own time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from needlepoint.clinic.clinics.models import Location


def local_now(location: Location, now: datetime) -> datetime:
    return now.astimezone(ZoneInfo(location.timezone))
