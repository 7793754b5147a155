"""iCalendar (RFC 5545) for appointments: a practitioner's feed and one-appointment downloads.

Events carry their location's TZID with a generated VTIMEZONE, so calendar apps show the clinic's
wall-clock time; SEQUENCE and STATUS let them apply moves and cancellations to the same UID.
Feeds for staff phones carry initials, not full names: a phone calendar is outside the audit trail.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from needlepoint.clinic.booking.models import Appointment, AppointmentStatus

PRODID = "-//Needlepoint//Microneedling practice//EN"


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    return cal


def _initials(appt: Appointment) -> str:
    return f"{appt.client.first_name[:1]}. {appt.client.last_name[:1]}."


def _event(appt: Appointment, *, summary: str, description: str, now: datetime) -> Event:
    zone = ZoneInfo(appt.location.timezone)
    event = Event()
    event.add("uid", f"{appt.ics_uid}@needlepoint")
    event.add("dtstamp", now)
    event.add("dtstart", appt.arrival.astimezone(zone))
    event.add("dtend", appt.end.astimezone(zone))
    event.add("summary", summary)
    event.add("description", description)
    event.add(
        "location",
        ", ".join(p for p in (appt.location.name, appt.location.address_line1, appt.location.city) if p),
    )
    event.add("sequence", appt.sequence)
    event.add("status", "CANCELLED" if appt.status == AppointmentStatus.CANCELLED else "CONFIRMED")
    return event


def practitioner_feed(appointments: Iterable[Appointment], *, name: str, now: datetime) -> bytes:
    cal = _calendar(name)
    for appt in appointments:
        local_start = appt.start.astimezone(ZoneInfo(appt.location.timezone))
        cal.add_component(
            _event(
                appt,
                summary=f"{appt.appointment_type.name} — {_initials(appt)}",
                description=(
                    f"Client arrives {appt.arrival.astimezone(local_start.tzinfo):%H:%M} to numb; "
                    f"treatment {local_start:%H:%M}–{appt.end.astimezone(local_start.tzinfo):%H:%M}; "
                    f"{appt.room.name}" + (f"; {appt.device.name}" if appt.device else "")
                ),
                now=now,
            )
        )
    cal.add_missing_timezones()
    return cal.to_ical()


def client_event(appt: Appointment, *, clinic_name: str, now: datetime) -> bytes:
    """The .ics a client adds to their own calendar (their own data, full detail)."""
    zone = ZoneInfo(appt.location.timezone)
    arrival, start = appt.arrival.astimezone(zone), appt.start.astimezone(zone)
    cal = _calendar(clinic_name)
    cal.add_component(
        _event(
            appt,
            summary=f"{appt.appointment_type.name} at {clinic_name}",
            description=(
                f"Please arrive at {arrival:%H:%M}: numbing cream goes on then, and your "
                f"treatment starts at {start:%H:%M}. Come with clean skin, no make-up."
            ),
            now=now,
        )
    )
    cal.add_missing_timezones()
    return cal.to_ical()
