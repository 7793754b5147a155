"""Reads for the calendar, the client page and feeds. Times come back in the location's zone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from needlepoint.clinic.accounts.models import Membership
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Clinic, Location

from .models import Appointment, WaitlistEntry, WaitlistStatus


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone)


def appointments_between(location: Location, first: date, last: date) -> QuerySet[Appointment]:
    zone = ZoneInfo(location.timezone)
    lo = _local_midnight(first, zone)
    hi = _local_midnight(last + timedelta(days=1), zone)
    return (
        Appointment.objects.for_clinic(location.clinic_id)
        .active()
        .filter(location=location, start__gte=lo, start__lt=hi)
        .select_related("client", "practitioner__user", "room", "device", "appointment_type")
    )


def upcoming_for_client(client: Client, now: datetime) -> QuerySet[Appointment]:
    return (
        Appointment.objects.for_clinic(client.clinic_id)
        .filter(client=client, start__gte=now - timedelta(hours=12))
        .select_related("location", "practitioner__user", "room", "appointment_type", "series")
        .order_by("start")
    )


def open_waitlist(clinic: Clinic) -> QuerySet[WaitlistEntry]:
    return (
        WaitlistEntry.objects.for_clinic(clinic)
        .filter(status__in=[WaitlistStatus.WAITING, WaitlistStatus.OFFERED])
        .select_related(
            "client",
            "appointment_type",
            "location",
            "practitioner__user",
            "offered_practitioner__user",
            "offered_room__location",
        )
    )


def practitioner_feed_appointments(practitioner: Membership, now: datetime) -> QuerySet[Appointment]:
    # Past month and everything ahead: enough for a phone calendar, bounded for the feed's size.
    return (
        Appointment.objects.for_clinic(practitioner.clinic_id)
        .filter(practitioner=practitioner, start__gte=now - timedelta(days=31))
        .select_related("client", "location", "room", "device", "appointment_type")
        .order_by("start")
    )


def pending_offers(location: Location, now: datetime) -> QuerySet[WaitlistEntry]:
    """Freed slots at ``location`` on offer to waitlisted clients and not yet expired."""
    return (
        WaitlistEntry.objects.for_clinic(location.clinic_id)
        .filter(status=WaitlistStatus.OFFERED, offer_expires_at__gt=now)
        .filter(Q(offered_room__location=location) | Q(location=location))
        .select_related("client")
        .order_by("offer_expires_at")
    )
