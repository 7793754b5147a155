"""Past appointments written straight to the database (demo data, test and bench fixtures), without
going through booking: their busy windows are the plain hour with the client's numbing lead."""

from __future__ import annotations

from datetime import datetime, timedelta

NUMBING_LEAD = timedelta(minutes=45)


def plain_windows(start: datetime, end: datetime, *, device: bool = False) -> dict[str, datetime]:
    """The time fields of an Appointment with no buffers: everyone busy from `start` to `end`, the
    client arriving (and the booking busy) `NUMBING_LEAD` earlier; the device too when it takes one."""
    windows = {
        "start": start,
        "end": end,
        "arrival": start - NUMBING_LEAD,
        "practitioner_start": start,
        "practitioner_end": end,
        "room_start": start,
        "room_end": end,
        "busy_start": start - NUMBING_LEAD,
        "busy_end": end,
    }
    if device:
        windows |= {"device_start": start, "device_end": end}
    return windows
