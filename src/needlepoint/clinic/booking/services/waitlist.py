"""The waitlist: clients who want an earlier slot, and accepting the offer a freed slot made them
(offering is in .offers)."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction

from needlepoint import scheduling as eng
from needlepoint.clinic import permissions
from needlepoint.clinic.accounts.models import Membership
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Location
from needlepoint.clinic.errors import InvalidInput, NotFound
from needlepoint.clinic.permissions import Action, Actor

from ..engine import engine_type
from ..models import Appointment, AppointmentStatus, AppointmentType, WaitlistEntry, WaitlistStatus
from .book import insert, lock_resources, require_fit, single_request
from .changes import cancel_as_part_of
from .errors import BookingError


@transaction.atomic
def add_to_waitlist(
    client: Client,
    appointment_type: AppointmentType,
    earliest: date,
    latest: date,
    *,
    actor: Actor,
    location: Location | None = None,
    practitioner: Membership | None = None,
    replaces: Appointment | None = None,
) -> WaitlistEntry:
    permissions.require(actor, Action.WAITLIST, client)
    for other in (appointment_type, location, practitioner, replaces):
        if other is not None and int(other.clinic_id) != int(client.clinic_id):
            raise NotFound()
    if latest < earliest:
        raise InvalidInput("The latest date must not be before the earliest date.", field="latest")
    return WaitlistEntry.objects.create(
        clinic_id=client.clinic_id,
        client=client,
        appointment_type=appointment_type,
        earliest=earliest,
        latest=latest,
        location=location,
        practitioner=practitioner,
        replaces=replaces,
    )


@transaction.atomic
def accept_offer(entry: WaitlistEntry, *, actor: Actor, now: datetime) -> Appointment:
    """Book the offered slot; the appointment the entry replaces (if any) is cancelled without a
    fee, since the clinic moved it earlier."""
    permissions.require(actor, Action.WAITLIST, entry)
    entry = (
        WaitlistEntry.objects.select_for_update(of=("self",))
        .select_related("appointment_type", "offered_practitioner", "offered_room__location", "replaces")
        .get(pk=entry.pk)
    )
    if entry.status != WaitlistStatus.OFFERED or entry.offered_start is None or entry.offered_room is None:
        raise BookingError("There is no open offer on this waitlist entry.")
    if entry.offer_expires_at and entry.offer_expires_at <= now:
        raise BookingError("This offer has expired.")
    location = entry.offered_room.location
    e = eng.Appointment.build(
        engine_type(entry.appointment_type),
        entry.offered_start,
        location_id=str(location.pk),
        timezone=location.timezone,
        practitioner_id=str(entry.offered_practitioner_id),
        room_id=str(entry.offered_room_id),
        device_id=str(entry.offered_device_id) if entry.offered_device_id else None,
    )
    lock_resources([e], [entry.client_id])
    # The rota or the type may have changed since the offer was made.
    require_fit(entry.clinic, single_request(entry.appointment_type), [e], label="The offered slot")
    if entry.replaces is not None and entry.replaces.status == AppointmentStatus.BOOKED:
        cancel_as_part_of(entry.replaces, actor=actor, reason="moved earlier from the waitlist", now=now)
    appt = insert(
        entry.clinic,
        entry.client,
        entry.appointment_type,
        e,
        created_by=permissions.membership_of(actor),
        label="The offered slot",
        source="waitlist",
    )
    entry.status = WaitlistStatus.BOOKED
    entry.save(update_fields=["status"])
    return appt
