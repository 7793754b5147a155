"""The `needlepoint worker` process: one loop drains the durable queues, the message outbox
(clinic.messaging.worker), webhook deliveries (clinic.webhooks.dispatch) and Stripe's event
inbox with the card charges whose answer was lost (clinic.payments.stripe_webhooks). It lives
above the clinic apps so no queue's app imports another."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable

from django.db import connection

from needlepoint.clinic.messaging import worker as messages
from needlepoint.clinic.messaging.worker import WorkerConfig
from needlepoint.clinic.payments import collect as payments
from needlepoint.clinic.payments import deposits, stripe_webhooks
from needlepoint.clinic.webhooks import dispatch as webhooks

__all__ = ["WorkerConfig", "command", "run"]

log = logging.getLogger(__name__)


def command(**flags: object) -> list[str]:
    """The argv that starts `needlepoint worker` in a child process (batch=50: `--batch 50`)."""
    argv = [sys.executable, "-m", "needlepoint.cli", "worker"]
    for name, value in flags.items():
        argv += [f"--{name}", str(value)]
    return argv


def _drain(process_batch: Callable[..., int], *args: object) -> int:
    """One batch of one queue. Whatever it raises (a bug, bad data, the database going away) is
    logged and counts as an empty round: the loop, the other queue and the next batch go on, and
    rows the failed batch had claimed come back when their lease runs out."""
    try:
        return process_batch(*args)
    except Exception:
        log.exception("worker: a %s batch failed", process_batch.__module__)
        # A dropped database connection is replaced on the next query instead of failing forever.
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()
        return 0


def run(
    *,
    once: bool = False,
    concurrency: int = 1,
    cfg: WorkerConfig | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Run `concurrency` loops in threads until `stop` is set (SIGTERM) or, with `once`, until
    nothing is due. Returns the number of messages and deliveries claimed."""
    cfg = cfg or WorkerConfig()
    stop = stop or threading.Event()
    totals = [0] * concurrency

    def loop(i: int) -> None:
        name = messages.worker_name(f":{i}")
        try:
            while not stop.is_set():
                n = _drain(messages.process_batch, name, cfg) + _drain(webhooks.process_batch, name)
                n += _drain(deposits.release_expired)  # unpaid deposits past their hold
                n += _drain(payments.process_batch, name)  # memberships, instalments, package expiry
                n += _drain(stripe_webhooks.worker_step, name)  # Stripe events in, lost answers
                totals[i] += n
                if n == 0:
                    if once:
                        return
                    stop.wait(cfg.poll)
        finally:
            if concurrency > 1:  # each thread has its own connection; the caller's stays open
                connection.close()

    if concurrency == 1:
        loop(0)
    else:
        threads = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(concurrency)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return sum(totals)
