"""Shared checks of the reliability tests: "nothing double-booked, nothing half-written" in SQL."""

from __future__ import annotations

from django.conf import settings
from django.db import connection

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")

_OVERLAPS = """
SELECT count(*) FROM booking_appointment a JOIN booking_appointment b
  ON a.id < b.id AND a.status <> 'cancelled' AND b.status <> 'cancelled' AND (
       (a.practitioner_id = b.practitioner_id
        AND a.practitioner_start < b.practitioner_end AND b.practitioner_start < a.practitioner_end)
    OR (a.room_id = b.room_id AND a.room_start < b.room_end AND b.room_start < a.room_end)
    OR (a.device_id = b.device_id AND a.device_start < b.device_end AND b.device_start < a.device_end))
"""

_HALF_WRITTEN = """
SELECT count(*) FROM booking_series s
WHERE s.sessions <> (SELECT count(*) FROM booking_appointment a WHERE a.series_id = s.id)
"""


def overlaps() -> int:
    """Pairs of active appointments holding one practitioner, room or device at the same time."""
    with connection.cursor() as cursor:
        cursor.execute(_OVERLAPS)
        return int(cursor.fetchone()[0])


def half_written_series() -> int:
    """Series whose stored sessions differ from the number booked (all or nothing was broken)."""
    with connection.cursor() as cursor:
        cursor.execute(_HALF_WRITTEN)
        return int(cursor.fetchone()[0])
