"""Writes to the outbox. on_booked / on_moved / on_cancelled run as subscribers of the booking
events (subscribers.py), inside the booking's transaction, so an appointment and its messages
commit (or roll back) together."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse

from needlepoint import clock
from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.reviews.selectors import review_request_url
from needlepoint.protocol import default_protocol

from . import planner
from .models import Channel, Kind, MessagingSettings, OutboxMessage, Status
from .quiet import schedule_outside_quiet_hours
from .templates import Wording, render, wording_for, wordings_for

CHECKIN_SALT = "needlepoint.messaging.checkin"
CHECKIN_MAX_AGE = timedelta(days=21)
# Staff alerts and other immediate messages ignore quiet hours: a red flag cannot wait.
IMMEDIATE_KINDS = frozenset({Kind.STAFF_ALERT})
# Useless after the session starts: when quiet hours would push them past it, they go out the
# evening before instead (e.g. the numbing reminder for an 08:00 session).
BEFORE_SESSION_KINDS = frozenset({Kind.REMINDER_48H, Kind.REMINDER_24H, Kind.NUMBING, Kind.NEXT_SESSION})


def settings_for(clinic_id: int) -> MessagingSettings:
    found = MessagingSettings.objects.for_clinic(clinic_id).first()
    return found if found is not None else MessagingSettings(clinic_id=clinic_id)


def checkin_token(client_id: int, appointment_id: int | None) -> str:
    return signing.dumps({"c": client_id, "a": appointment_id}, salt=CHECKIN_SALT, compress=True)


def read_checkin_token(token: str) -> tuple[int, int | None] | None:
    try:
        data = signing.loads(token, salt=CHECKIN_SALT, max_age=CHECKIN_MAX_AGE)
    except signing.BadSignature:  # also SignatureExpired
        return None
    return int(data["c"]), (int(data["a"]) if data.get("a") is not None else None)


def checkin_url(appt: Appointment) -> str:
    path = reverse("portal-reaction", kwargs={"slug": appt.clinic.slug})
    base = getattr(settings, "NEEDLEPOINT_BASE_URL", "").rstrip("/")
    return f"{base}{path}?t={checkin_token(appt.client_id, appt.pk)}"


def _facts(appt: Appointment, ms: MessagingSettings) -> planner.SessionFacts:
    series = appt.series
    index = appt.series_index or 0
    return planner.SessionFacts(
        start=appt.start,
        arrival=appt.arrival,
        end=appt.end,
        timezone=appt.location.timezone,
        numbing_minutes=appt.appointment_type.numbing_minutes,
        numbing_at_home=ms.numbing_at_home,
        is_last_of_series=series is None or index >= series.sessions - 1,
        is_follow_up=series is not None and index > 0,
    )


def _consent(client: Client) -> planner.Consent:
    return planner.Consent(client.email, client.phone, client.consent_email, client.consent_sms)


def _plan(appt: Appointment, now: datetime) -> tuple[list[planner.Planned], MessagingSettings]:
    ms = settings_for(appt.clinic_id)
    offsets = planner.Offsets(ms.review_days, ms.touch_up_days, ms.next_session_days_before)
    planned = planner.plan_messages(
        _facts(appt, ms), default_protocol().data.aftercare, _consent(appt.client), now=now, offsets=offsets
    )
    return planned, ms


def _due(at: datetime, kind: str, zone: str, ms: MessagingSettings, session_start: datetime) -> datetime:
    if kind in IMMEDIATE_KINDS or not ms.quiet_hours_enabled:
        return at
    before = session_start if kind in BEFORE_SESSION_KINDS else None
    return schedule_outside_quiet_hours(at, zone, ms.quiet_start, ms.quiet_end, must_precede=before)


def _render(appt: Appointment, p: planner.Planned, wording: Wording | None = None) -> tuple[str, str]:
    wording = wording or wording_for(appt.clinic_id, p.kind, appt.clinic.locale)
    context = {
        **p.context,
        "first_name": appt.client.first_name,
        "clinic": appt.clinic.name,
        "location": appt.location.name,
    }
    if p.kind == Kind.CHECKIN:
        context["checkin_url"] = checkin_url(appt)
    if p.kind == Kind.REVIEW:  # the reviews app's portal page (its hook)
        context["review_url"] = review_request_url(appt.clinic.slug)
    if p.channel == Channel.SMS:
        return "", render(wording.sms_body, context)
    return render(wording.subject, context), render(wording.body, context)


def _key(appt: Appointment, p: planner.Planned) -> str:
    # The sequence makes a message planned after a move distinct from one already sent before it.
    return f"a{appt.pk}.{p.kind}.{p.channel}.s{appt.sequence}"


def _build(
    appt: Appointment, p: planner.Planned, ms: MessagingSettings, wording: Wording | None = None
) -> OutboxMessage:
    subject, body = _render(appt, p, wording)
    due = _due(p.due_at, p.kind, appt.location.timezone, ms, appt.start)
    return OutboxMessage(
        clinic_id=appt.clinic_id,
        client_id=appt.client_id,
        appointment=appt,
        kind=p.kind,
        channel=p.channel,
        recipient=appt.client.email if p.channel == Channel.EMAIL else appt.client.phone,
        subject=subject[:200],
        body=body,
        timezone=appt.location.timezone,
        due_at=due,
        next_attempt_at=due,
        max_attempts=ms.max_attempts,
        idempotency_key=_key(appt, p),
    )


def _load(appt: Appointment) -> Appointment:
    return (
        Appointment.objects.select_related("clinic", "client", "location", "appointment_type", "series")
        .filter(pk=appt.pk)
        .get()
    )


def on_booked(appt: Appointment) -> None:
    client = appt.client
    if not (client.consent_email and client.email) and not (client.consent_sms and client.phone):
        return  # nothing may be sent to this client: skip planning inside the booking transaction
    appt = _load(appt)
    planned, ms = _plan(appt, clock.now())
    wordings = wordings_for(appt.clinic_id, {p.kind for p in planned}, appt.clinic.locale)
    OutboxMessage.objects.bulk_create(
        [_build(appt, p, ms, wordings[p.kind]) for p in planned], ignore_conflicts=True
    )


def on_moved(appt: Appointment) -> None:
    """Pending messages move with the appointment (same key, new time and wording); messages
    that no longer apply are withdrawn; new ones are added."""
    appt = _load(appt)
    planned, ms = _plan(appt, clock.now())
    pending = {
        (m.kind, m.channel): m
        for m in OutboxMessage.objects.for_clinic(appt.clinic_id).filter(
            appointment=appt, status=Status.PENDING
        )
    }
    fresh: list[OutboxMessage] = []
    for p in planned:
        built = _build(appt, p, ms)
        old = pending.pop((p.kind, p.channel), None)
        if old is None:
            fresh.append(built)
            continue
        old.due_at = old.next_attempt_at = built.due_at
        old.subject, old.body, old.recipient = built.subject, built.body, built.recipient
        old.save(update_fields=["due_at", "next_attempt_at", "subject", "body", "recipient"])
    _withdraw(pending.values(), "no longer applies after the appointment moved")
    OutboxMessage.objects.bulk_create(fresh, ignore_conflicts=True)


def on_cancelled(appt: Appointment) -> None:
    rows = OutboxMessage.objects.for_clinic(appt.clinic_id).filter(
        appointment_id=appt.pk, status__in=[Status.PENDING, Status.SENDING]
    )
    rows.update(status=Status.WITHDRAWN, last_error="appointment cancelled", locked_by="", locked_until=None)


def _withdraw(messages: Iterable[OutboxMessage], why: str) -> None:
    ids = [m.pk for m in messages]
    if ids:
        OutboxMessage.objects.filter(pk__in=ids, status=Status.PENDING).update(
            status=Status.WITHDRAWN, last_error=why
        )


@transaction.atomic
def enqueue_staff_alert(
    clinic_id: int,
    client: Client,
    appointment_id: int | None,
    recipients: list[str],
    context: dict[str, str],
    *,
    key: str,
) -> list[OutboxMessage]:
    wording = wording_for(clinic_id, Kind.STAFF_ALERT, client.clinic.locale)
    now = clock.now()
    rows = [
        OutboxMessage(
            clinic_id=clinic_id,
            client=client,
            appointment_id=appointment_id,
            kind=Kind.STAFF_ALERT,
            channel=Channel.EMAIL,
            recipient=address,
            subject=render(wording.subject, context)[:200],
            body=render(wording.body, context),
            due_at=now,
            next_attempt_at=now,
            idempotency_key=f"{key}.{i}",
        )
        for i, address in enumerate(recipients)
    ]
    return OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)
