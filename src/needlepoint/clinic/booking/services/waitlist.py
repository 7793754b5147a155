"""The waitlist: a freed slot is offered to the first suitable waiting client, for a limited time."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q

from needlepoint.clinic.accounts.models import Membership
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Location

from ..engine import engine_appointment, policy_for
from ..models import Appointment, AppointmentStatus, AppointmentType, WaitlistEntry, WaitlistStatus
from .book import conflicts, insert
from .errors import BookingError


def add_to_waitlist(
    client: Client,
    appointment_type: AppointmentType,
    earliest: date,
    latest: date,
    *,
    location: Location | None = None,
    practitioner: Membership | None = None,
    replaces: Appointment | None = None,
) -> WaitlistEntry:
    if latest < earliest:
        raise BookingError("The latest date must not be before the earliest date.")
    return WaitlistEntry.objects.create(
        clinic=client.clinic,
        client=client,
        appointment_type=appointment_type,
        earliest=earliest,
        latest=latest,
        location=location,
        practitioner=practitioner,
        replaces=replaces,
    )


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


@transaction.atomic
def accept_offer(entry: WaitlistEntry, *, now: datetime, created_by: Membership | None = None) -> Appointment:
    from .changes import cancel_appointment

    entry = (
        WaitlistEntry.objects.select_for_update(of=("self",))
        .select_related("appointment_type", "offered_practitioner", "offered_room__location", "replaces")
        .get(pk=entry.pk)
    )
    if entry.status != WaitlistStatus.OFFERED or entry.offered_start is None or entry.offered_room is None:
        raise BookingError("There is no open offer on this waitlist entry.")
    if entry.offer_expires_at and entry.offer_expires_at <= now:
        raise BookingError("This offer has expired.")
    from needlepoint.scheduling import Appointment as EngineAppointment

    from ..engine import engine_type

    location = entry.offered_room.location
    e = EngineAppointment.build(
        engine_type(entry.appointment_type),
        entry.offered_start,
        location_id=str(location.pk),
        timezone=location.timezone,
        practitioner_id=str(entry.offered_practitioner_id),
        room_id=str(entry.offered_room_id),
        device_id=str(entry.offered_device_id) if entry.offered_device_id else None,
    )
    if entry.replaces is not None and entry.replaces.status == AppointmentStatus.BOOKED:
        cancel_appointment(
            entry.replaces,
            actor=created_by or "client",
            reason="moved earlier from the waitlist",
            now=now,
            waive_fee=True,
        )
    appt = insert(
        entry.clinic,
        entry.client,
        entry.appointment_type,
        e,
        created_by=created_by,
        label="The offered slot",
        source="waitlist",
    )
    entry.status = WaitlistStatus.BOOKED
    entry.save(update_fields=["status"])
    return appt


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
