"""Delivers due outbox messages: claim a batch under a lease, send, record, repeat.

Claiming: PostgreSQL locks candidate rows with SELECT … FOR UPDATE SKIP LOCKED, so workers
never wait on each other; SQLite has one writer at a time and the settings' BEGIN IMMEDIATE
makes the short claim transaction serialise. A claimed row is `sending` with `locked_until`;
a worker killed mid-batch simply lets the lease expire and another worker re-claims the row
(at-least-once). A row marked `sent` is never claimed again, so duplicates are bounded by what
a dead worker had sent but not yet marked: at most one batch per kill.

The process loop that drains this queue and the webhook deliveries is needlepoint.ops.worker.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat

from needlepoint import clock
from needlepoint.clinic import leasing

from . import composers, staff
from .backends import PermanentError, sms_backend
from .backends import email as email_backend
from .models import Channel, DeliveryAttempt, Kind, MessagingSettings, OutboxMessage, Status
from .quiet import defer_past_quiet_hours
from .reply_address import reply_to_for

log = logging.getLogger(__name__)

BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=6)


@dataclass(frozen=True)
class WorkerConfig:
    batch: int = 50
    lease: timedelta = timedelta(seconds=60)
    poll: float = 2.0
    base_delay: timedelta = BASE_DELAY


def backoff(attempt: int, base: timedelta = BASE_DELAY) -> timedelta:
    """Exponential with jitter over the upper half: 30 s, 1 min, 2 min … capped at 6 h."""
    return leasing.backoff(attempt, base, MAX_DELAY)


def worker_name(suffix: str = "") -> str:
    return f"{socket.gethostname()}:{os.getpid()}{suffix}"[:80]


def claim(worker: str, cfg: WorkerConfig, now: datetime | None = None) -> list[OutboxMessage]:
    return list(
        leasing.claim(
            OutboxMessage, pending=Status.PENDING, sending=Status.SENDING, worker=worker, cfg=cfg, now=now
        )
    )


def process_batch(worker: str, cfg: WorkerConfig) -> int:
    """Claim and deliver one batch; returns how many were claimed."""
    batch = claim(worker, cfg)
    if not batch:
        return 0
    conn = None
    sent: list[tuple[OutboxMessage, str]] = []
    # A staff alert goes only to someone who is still an active owner or practitioner now.
    alerted = staff.still_alerted((m.clinic_id, m.recipient) for m in batch if m.kind == Kind.STAFF_ALERT)
    senders = _sms_numbers({m.clinic_id for m in batch if m.channel == Channel.SMS})
    for m in batch:
        if m.attempts > m.max_attempts:
            # Every attempt ended with a dead worker (the message may be what crashes it): stop.
            _fail_alone(m, worker, PermanentError("worker lease expired on the last attempt"), cfg)
            continue
        if m.kind == Kind.STAFF_ALERT and (m.clinic_id, m.recipient) not in alerted:
            _skipped(m, worker, "recipient is no longer an active owner or practitioner of the clinic")
            continue
        try:
            body = composers.body_to_send(m)
            if m.channel == Channel.EMAIL:
                if conn is None:
                    conn = email_backend.connection()
                    conn.open()
                provider_id = email_backend.send(
                    conn,
                    to=m.recipient,
                    subject=m.subject,
                    body=body,
                    key=m.idempotency_key,
                    reply_to=reply_to_for(m),  # replies land in the client's conversation
                )
            elif m.clinic_id in senders:  # from the clinic's own number, so replies come back to it
                provider_id = sms_backend().send(
                    m.recipient, body, idempotency_key=m.idempotency_key, sender=senders[m.clinic_id]
                )
            else:
                provider_id = sms_backend().send(m.recipient, body, idempotency_key=m.idempotency_key)
        except Exception as exc:
            _flush_sent(sent, worker)
            sent = []
            _fail_alone(m, worker, exc, cfg)
            if conn is not None:  # the SMTP session may be unusable after an error
                _close(conn)
                conn = None
            continue
        sent.append((m, provider_id))
    _flush_sent(sent, worker)
    if conn is not None:
        _close(conn)
    return len(batch)


def _sms_numbers(clinic_ids: set[int]) -> dict[int, str]:
    if not clinic_ids:
        return {}
    rows = MessagingSettings.objects.filter(clinic_id__in=clinic_ids).exclude(sms_number="")
    return dict(rows.values_list("clinic_id", "sms_number"))


def _close(conn: object) -> None:
    # Closing a broken SMTP session may itself fail; there is nothing more to do then.
    with contextlib.suppress(Exception):
        conn.close()  # type: ignore[attr-defined]


def _flush_sent(sent: list[tuple[OutboxMessage, str]], worker: str) -> None:
    """Mark a run of delivered messages sent in two statements (the hot path of throughput)."""
    if not sent:
        return
    now = clock.now()
    with transaction.atomic():
        DeliveryAttempt.objects.bulk_create(
            [
                DeliveryAttempt(
                    clinic_id=m.clinic_id,
                    message_id=m.pk,
                    attempt=m.attempts,
                    worker=worker,
                    ok=True,
                    provider_message_id=pid[:200],
                    at=now,
                )
                for m, pid in sent
            ]
        )
        by_pid: dict[str, list[int]] = {}
        for m, pid in sent:
            by_pid.setdefault("" if m.channel == Channel.EMAIL else pid, []).append(m.pk)
        for pid, ids in by_pid.items():
            qs = OutboxMessage.objects.filter(pk__in=ids).exclude(status__in=[Status.SENT, Status.WITHDRAWN])
            fields: dict[str, object] = dict(
                status=Status.SENT, sent_at=now, locked_by="", locked_until=None, last_error=""
            )
            if pid:
                fields["provider_message_id"] = pid[:200]
            else:  # email: the provider id is the Message-ID we set from the idempotency key
                fields["provider_message_id"] = Concat(
                    Value("<"), F("idempotency_key"), Value("@needlepoint.outbox>")
                )
            qs.update(**fields)


def _skipped(m: OutboxMessage, worker: str, reason: str) -> None:
    """Not sent and never will be (the reason is kept on the row and in its attempt log)."""
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            clinic_id=m.clinic_id,
            message_id=m.pk,
            attempt=m.attempts,
            worker=worker,
            ok=False,
            error=f"skipped: {reason}"[:500],
            at=clock.now(),
        )
        OutboxMessage.objects.filter(pk=m.pk, status=Status.SENDING, locked_by=worker).update(
            status=Status.SKIPPED, last_error=reason[:500], locked_by="", locked_until=None
        )
    log.info("message %s skipped: %s", m.idempotency_key, reason)


def _fail_alone(m: OutboxMessage, worker: str, exc: Exception, cfg: WorkerConfig) -> None:
    """Record a failure without letting a bad row (say, an unknown time zone) stop the batch:
    if even recording fails the row stays leased and comes back when the lease runs out."""
    try:
        _failed(m, worker, exc, cfg)
    except Exception:
        log.exception("message %s: could not record the failed attempt", m.idempotency_key)


def _failed(m: OutboxMessage, worker: str, exc: Exception, cfg: WorkerConfig) -> None:
    now = clock.now()
    error = f"{type(exc).__name__}: {exc}"[:500]
    permanent = isinstance(exc, PermanentError) or m.attempts >= m.max_attempts
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            clinic_id=m.clinic_id,
            message_id=m.pk,
            attempt=m.attempts,
            worker=worker,
            ok=False,
            error=error,
            at=now,
        )
        retry_at = now + backoff(m.attempts, cfg.base_delay)
        from .services import IMMEDIATE_KINDS, settings_for

        if m.kind not in IMMEDIATE_KINDS:
            ms = settings_for(m.clinic_id)
            if ms.quiet_hours_enabled:  # a retry is deferred past quiet hours like the first try
                try:
                    retry_at = defer_past_quiet_hours(retry_at, m.timezone, ms.quiet_start, ms.quiet_end)
                except (ValueError, KeyError, OSError):  # an unknown zone name: retry on the plain schedule
                    log.warning("message %s: unknown time zone %r", m.idempotency_key, m.timezone)
        # Only while we still hold the lease: after it expired another worker owns the row.
        OutboxMessage.objects.filter(pk=m.pk, status=Status.SENDING, locked_by=worker).update(
            status=Status.FAILED if permanent else Status.PENDING,
            last_error=error,
            next_attempt_at=retry_at,
            locked_by="",
            locked_until=None,
        )
    log.warning("message %s attempt %s failed: %s", m.idempotency_key, m.attempts, error)
