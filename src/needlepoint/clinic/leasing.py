"""Leased work queues (message outbox, webhook deliveries): several workers claim due rows without
taking the same one twice, and a crashed worker's rows come back when its lease runs out."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from django.db import connection, models, transaction
from django.db.models import F, Q, QuerySet

from needlepoint import clock

M = TypeVar("M", bound=models.Model)


class LeaseConfig(Protocol):
    @property
    def batch(self) -> int: ...
    @property
    def lease(self) -> timedelta: ...


def claim(
    model: type[M], *, pending: str, sending: str, worker: str, cfg: LeaseConfig, now: datetime | None
) -> QuerySet[M]:
    """The rows `claim_ids` just took for `worker`, oldest due first (none: an empty queryset,
    no query)."""
    ids = claim_ids(
        model,
        pending=pending,
        sending=sending,
        worker=worker,
        batch=cfg.batch,
        lease=cfg.lease,
        now=now or clock.now(),
    )
    manager = model._default_manager
    if not ids:
        return manager.none()
    return manager.filter(pk__in=ids, locked_by=worker).order_by("next_attempt_at")


def claim_ids(
    model: type[models.Model],
    *,
    pending: str,
    sending: str,
    worker: str,
    batch: int,
    lease: timedelta,
    now: datetime,
) -> list[int]:
    """Mark up to `batch` due rows of `model` as taken by `worker` (attempts + 1) and return their
    ids, oldest due first. Due = pending and next_attempt_at reached, or sending with the lease
    expired. On PostgreSQL rows locked by another claimer are skipped, not waited for."""
    due = Q(status=pending, next_attempt_at__lte=now) | Q(status=sending, locked_until__lt=now)
    with transaction.atomic():
        qs = model._default_manager.filter(due).order_by("next_attempt_at")
        if connection.vendor == "postgresql":
            qs = qs.select_for_update(skip_locked=True)
        ids = list(qs.values_list("pk", flat=True)[:batch])
        if ids:
            model._default_manager.filter(pk__in=ids).update(
                status=sending, locked_by=worker, locked_until=now + lease, attempts=F("attempts") + 1
            )
    return ids


def backoff(attempt: int, base: timedelta, cap: timedelta, rand: float | None = None) -> timedelta:
    """Delay after failed attempt `attempt` (1-based): base·2^(attempt−1), capped, with jitter drawn
    over the upper half so many retries spread out but never come sooner than half the schedule."""
    ceiling = min(base * (2 ** max(attempt - 1, 0)), cap)
    r = random.random() if rand is None else rand  # noqa: S311 - jitter, not security
    return ceiling * (0.5 + r / 2)
