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
from .staff import alert_addresses
from .templates import Wording, render_wording, wording_for, wordings_for

CHECKIN_SALT = "needlepoint.messaging.checkin"
CHECKIN_MAX_AGE = timedelta(days=21)
# Staff alerts and other immediate messages ignore quiet hours: a red flag (or a sign-in link
# someone is waiting for) cannot wait.
IMMEDIATE_KINDS = frozenset(
    {Kind.STAFF_ALERT, Kind.SIGN_IN_LINK, Kind.STAFF_INVITATION, Kind.STAFF_ANSWER, Kind.KEYWORD_REPLY}
)
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


def _render(appt: Appointment, p: planner.Planned, wording: Wording | None = None) -> tuple[str, str, str]:
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
    return render_wording(wording, p.kind, context, sms=p.channel == Channel.SMS)


def _key(appt: Appointment, p: planner.Planned) -> str:
    # The sequence makes a message planned after a move distinct from one already sent before it.
    return f"a{appt.pk}.{p.kind}.{p.channel}.s{appt.sequence}"


def _build(
    appt: Appointment, p: planner.Planned, ms: MessagingSettings, wording: Wording | None = None
) -> OutboxMessage:
    subject, body, problem = _render(appt, p, wording)
    due = _due(p.due_at, p.kind, appt.location.timezone, ms, appt.start)
    return OutboxMessage(
        clinic_id=appt.clinic_id,
        client_id=appt.client_id,
        appointment=appt,
        kind=p.kind,
        channel=p.channel,
        recipient=appt.client.email if p.channel == Channel.EMAIL else appt.client.phone,
        subject=subject,
        body=body,
        last_error=problem,  # the clinic's template was refused: shown in the delivery log
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
        old.last_error = built.last_error
        old.save(update_fields=["due_at", "next_attempt_at", "subject", "body", "recipient", "last_error"])
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
    context: dict[str, str],
    *,
    key: str,
) -> list[OutboxMessage]:
    """An alert to each active owner and practitioner of the clinic, due now. The worker checks
    each recipient again when it sends (staff.still_alerted): deactivated by then, skipped."""
    wording = wording_for(clinic_id, Kind.STAFF_ALERT, client.clinic.locale)
    subject, body, problem = render_wording(wording, Kind.STAFF_ALERT, context)
    now = clock.now()
    rows = [
        OutboxMessage(
            clinic_id=clinic_id,
            client=client,
            appointment_id=appointment_id,
            kind=Kind.STAFF_ALERT,
            channel=Channel.EMAIL,
            recipient=address,
            subject=subject,
            body=body,
            last_error=problem,
            due_at=now,
            next_attempt_at=now,
            idempotency_key=f"{key}.{i}",
        )
        for i, address in enumerate(alert_addresses(clinic_id))
    ]
    return OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)


def queue_email(
    clinic_id: int,
    to: str,
    subject: str,
    body: str,
    *,
    kind: str,
    key: str,
    client: Client | None = None,
) -> OutboxMessage:
    """Queue one plain email (fixed text, no template) for the worker to send at once.

    Every email goes through the outbox: a request never talks to the mail server, so a slow
    or down server neither fails it nor shows by timing whom it wrote to. `key` makes a retried
    request queue the message once (e.g. "invitation.<pk>"); `kind` is a Kind (sign-in link,
    staff invitation…). Call it inside the transaction that creates what the email is about."""
    return _queue(clinic_id, Channel.EMAIL, to, subject[:200], body, kind=kind, key=key, client=client)


def queue_sms(
    clinic_id: int,
    to: str,
    body: str,
    *,
    kind: str,
    key: str,
    client: Client | None = None,
) -> OutboxMessage:
    """queue_email's twin for one text (a staff answer, the STOP/START confirmation). The
    caller has checked the client may be texted (a STOP confirmation is the one text sent after
    consent is withdrawn)."""
    return _queue(clinic_id, Channel.SMS, to, "", body, kind=kind, key=key, client=client)


def _queue(
    clinic_id: int,
    channel: str,
    to: str,
    subject: str,
    body: str,
    *,
    kind: str,
    key: str,
    client: Client | None,
) -> OutboxMessage:
    """One fixed-text message due now; `key` makes a retried request queue it once."""
    if kind not in Kind.values:
        raise ValueError(f"unknown message kind {kind!r}")
    now = clock.now()
    message, _ = OutboxMessage.objects.get_or_create(
        idempotency_key=key,
        defaults=dict(
            clinic_id=clinic_id,
            client=client,
            kind=kind,
            channel=channel,
            recipient=to,
            subject=subject,
            body=body,
            due_at=now,
            next_attempt_at=now,
        ),
    )
    return message


def withdraw_texts(clinic_id: int, client_ids: Iterable[int], why: str) -> int:
    """Every text still queued for these clients is withdrawn (they replied STOP)."""
    return (
        OutboxMessage.objects.for_clinic(clinic_id)
        .filter(
            client_id__in=list(client_ids), channel=Channel.SMS, status__in=[Status.PENDING, Status.SENDING]
        )
        .update(status=Status.WITHDRAWN, last_error=why[:500], locked_by="", locked_until=None)
    )
