"""Offering a freed slot to the waitlist: the first suitable waiting client gets it, for a
limited time. Called when an appointment is cancelled and when an offer expires."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q

from ..engine import engine_appointment, policy_for
from ..models import Appointment, WaitlistEntry, WaitlistStatus
from .book import conflicts


def offer_freed_slot(freed: Appointment, *, now: datetime, skip: tuple[int, ...] = ()) -> list[WaitlistEntry]:
    """Offer the freed slot (same time, practitioner, room, device) to the first waiting client
    it suits. Returns the offers made (at most one per freed slot)."""
    if freed.start <= now:
        return []
    local_day = freed.start.astimezone(ZoneInfo(freed.location.timezone)).date()
    candidates = (
        WaitlistEntry.objects.for_clinic(freed.clinic)
        .filter(
            status=WaitlistStatus.WAITING,
            appointment_type_id=freed.appointment_type_id,
            earliest__lte=local_day,
            latest__gte=local_day,
        )
        .filter(Q(location__isnull=True) | Q(location_id=freed.location_id))
        .filter(Q(practitioner__isnull=True) | Q(practitioner_id=freed.practitioner_id))
        .exclude(client_id=freed.client_id)
        .exclude(pk__in=skip)
        .select_related("client")
        .order_by("created_at", "pk")
    )
    hours = policy_for(freed.clinic).waitlist_offer_hours
    slot = engine_appointment(freed)
    for entry in candidates:
        if conflicts(slot, client_id=entry.client_id, exclude=[e for e in [entry.replaces_id] if e]):
            continue
        entry.status = WaitlistStatus.OFFERED
        entry.offered_start = freed.start
        entry.offered_practitioner_id = freed.practitioner_id
        entry.offered_room_id = freed.room_id
        entry.offered_device_id = freed.device_id
        entry.offer_expires_at = min(now + timedelta(hours=hours), freed.arrival)
        entry.offered_from = freed
        entry.save()
        return [entry]
    return []


def expire_offers(clinic_id: int, *, now: datetime) -> list[WaitlistEntry]:
    """Expired offers go back to waiting, and their slot is offered to the next in line.
    Returns the new offers."""
    new_offers: list[WaitlistEntry] = []
    expired = WaitlistEntry.objects.filter(
        clinic_id=clinic_id, status=WaitlistStatus.OFFERED, offer_expires_at__lte=now
    ).select_related("offered_from__location")
    for entry in expired:
        entry.status = WaitlistStatus.WAITING
        entry.save(update_fields=["status"])
        if entry.offered_from is not None:
            new_offers += offer_freed_slot(entry.offered_from, now=now, skip=(entry.pk,))
    return new_offers
