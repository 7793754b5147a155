"""Deliver due webhook deliveries: claim under a lease, POST signed JSON, record, retry.

Same claiming scheme as the message outbox (messaging/worker.py): PostgreSQL takes candidate
rows with FOR UPDATE SKIP LOCKED so several workers never pick the same row; SQLite's
BEGIN IMMEDIATE serialises the short claim. The lease covers a whole batch at the HTTP
timeout, so a live worker's rows are never re-claimed under it; a killed worker's lease expires
and another worker retries (at-least-once; receivers de-duplicate on `Needlepoint-Delivery`).
"""

from __future__ import annotations

import http.client
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.db import transaction

from needlepoint import clock
from needlepoint.clinic import leasing

from .models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from .netguard import UnsafeURL, check_url, guarded_create_connection
from .signing import HEADER, body_bytes, header_value

log = logging.getLogger(__name__)

BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=12)
USER_AGENT = "Needlepoint-Webhooks/1"


@dataclass(frozen=True)
class DispatchConfig:
    batch: int = 10
    timeout: float = 10.0  # seconds per HTTP request (connect + response)
    base_delay: timedelta = BASE_DELAY

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.batch * (self.timeout + 1) + 30)


def backoff(attempt: int, base: timedelta = BASE_DELAY, rand: float | None = None) -> timedelta:
    """Delay after failed attempt `attempt` (1-based): base·2^(attempt−1), capped at 12 h, with
    jitter drawn over the upper half so retries of many endpoints spread out but never come
    sooner than half the schedule."""
    return leasing.backoff(attempt, base, MAX_DELAY, rand)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    code: int | None
    error: str
    permanent: bool
    duration_ms: int


def post(endpoint: WebhookEndpoint, delivery: WebhookDelivery, timeout: float, now: datetime) -> Outcome:
    """One signed POST. 2xx is success; 410 Gone is permanent; anything else (other 4xx, 5xx,
    3xx — redirects are not followed —, timeouts, refused connections) is retried."""
    started = time.monotonic()

    def done(ok: bool, code: int | None, error: str, permanent: bool = False) -> Outcome:
        return Outcome(ok, code, error[:500], permanent, int((time.monotonic() - started) * 1000))

    try:
        check_url(endpoint.url)
    except UnsafeURL as exc:
        return done(False, None, f"refused: {exc}", permanent=True)
    parts = urlsplit(endpoint.url)
    body = body_bytes(delivery.payload)
    timestamp = int(now.timestamp())
    secrets = [endpoint.secret]
    grace_until = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and grace_until and grace_until > now:
        secrets.append(endpoint.previous_secret)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        HEADER: header_value(secrets, timestamp, body),
        "Needlepoint-Event": delivery.event,
        "Needlepoint-Delivery": delivery.idempotency_id,
        "Needlepoint-Attempt": str(delivery.attempts),
    }
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = cls(parts.hostname or "", parts.port, timeout=timeout)
    conn._create_connection = guarded_create_connection  # type: ignore[attr-defined]
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        snippet = response.read(300).decode("utf-8", "replace")
    except UnsafeURL as exc:
        return done(False, None, f"refused: {exc}", permanent=True)
    except TimeoutError:
        return done(False, None, f"timed out after {timeout:g} s")
    except (OSError, http.client.HTTPException) as exc:
        return done(False, None, f"{type(exc).__name__}: {exc}")
    finally:
        conn.close()
    code = response.status
    if 200 <= code < 300:
        return done(True, code, "")
    return done(False, code, f"HTTP {code}: {snippet.strip()}", permanent=code == 410)


def claim(worker: str, cfg: DispatchConfig, now: datetime | None = None) -> list[WebhookDelivery]:
    claimed = leasing.claim(
        WebhookDelivery,
        pending=DeliveryStatus.PENDING,
        sending=DeliveryStatus.SENDING,
        worker=worker,
        cfg=cfg,
        now=now,
    )
    return list(claimed.select_related("endpoint"))


def process_batch(worker: str, cfg: DispatchConfig = DispatchConfig()) -> int:
    """Claim and deliver one batch; returns how many were claimed. A row whose delivery raises
    (whatever the bug or bad data) fails alone: it is recorded for retry with the error text and
    the rest of the batch — other clinics' deliveries among them — goes on."""
    batch = claim(worker, cfg)
    for d in batch:
        try:
            outcome = _attempt(d, cfg)
        except Exception as exc:
            log.exception("webhook %s: delivery raised", d.idempotency_id)
            outcome = Outcome(False, None, f"internal error: {type(exc).__name__}: {exc}"[:500], False, 0)
        try:
            record(d, worker, outcome, cfg)
        except Exception:
            # The row stays leased; when the lease runs out another round retries it.
            log.exception("webhook %s: could not record the attempt", d.idempotency_id)
    return len(batch)


def _attempt(d: WebhookDelivery, cfg: DispatchConfig) -> Outcome:
    if d.attempts > d.max_attempts:  # every lease so far ended with a dead worker
        return Outcome(False, None, "worker lease expired on the last attempt", True, 0)
    if not d.endpoint.active:
        return Outcome(False, None, "endpoint disabled", True, 0)
    return post(d.endpoint, d, cfg.timeout, clock.now())


def record(d: WebhookDelivery, worker: str, outcome: Outcome, cfg: DispatchConfig) -> None:
    now = clock.now()
    with transaction.atomic():
        WebhookAttempt.objects.create(
            clinic_id=d.clinic_id,
            delivery_id=d.pk,
            attempt=d.attempts,
            worker=worker,
            ok=outcome.ok,
            response_code=outcome.code,
            error=outcome.error,
            duration_ms=outcome.duration_ms,
            at=now,
        )
        if outcome.ok:
            fields: dict[str, object] = {"status": DeliveryStatus.DELIVERED, "delivered_at": now}
        else:
            give_up = outcome.permanent or d.attempts >= d.max_attempts
            fields = {
                "status": DeliveryStatus.FAILED if give_up else DeliveryStatus.PENDING,
                "next_attempt_at": now + backoff(d.attempts, cfg.base_delay),
            }
        # Only while we still hold the lease: after it expired another worker owns the row.
        WebhookDelivery.objects.filter(pk=d.pk, status=DeliveryStatus.SENDING, locked_by=worker).update(
            last_response_code=outcome.code,
            last_error=outcome.error,
            locked_by="",
            locked_until=None,
            **fields,
        )
    if not outcome.ok:
        log.warning("webhook %s attempt %s failed: %s", d.idempotency_id, d.attempts, outcome.error)
