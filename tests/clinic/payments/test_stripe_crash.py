"""The worker SIGKILLed between "charge sent" and "charge recorded": a real child process charges
the card through localstripe and is killed with SIGKILL — while Stripe's answer is on its way,
or after it arrived but before the ledger was written. The worker's reconciliation then finds
the PaymentIntent through the tender's idempotency key and records the charge exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection

from needlepoint.clinic.payments import stripe_payments
from needlepoint.clinic.payments.models import EntryKind, LedgerEntry, StripeCharge, Tender, TenderStatus
from tests.stripe_server import StripeServer

from .conftest import AFTER_VISIT, make_pay_world
from .helpers import assert_ledger_consistent
from .stripe_helpers import card_tender, connect, intents, save_card

ROOT = Path(__file__).resolve().parents[3]


def child_env(server: StripeServer) -> dict[str, str]:
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
        url = f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    else:
        url = f"sqlite:///{s['NAME']}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "NEEDLEPOINT_DEMO": "1",
        "NEEDLEPOINT_STRIPE_API_BASE": server.base,
        "NEEDLEPOINT_STRIPE_TIMEOUT": "60",
        "NEEDLEPOINT_STRIPE_RETRIES": "0",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")]),
    }


def wait_until(check, seconds: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("moment", ["in_flight", "answered"])
def test_sigkilled_between_charge_sent_and_recorded_is_recorded_once(
    clinic_a: object, stripe_api: StripeServer, moment: str
) -> None:
    pw = make_pay_world(clinic_a)  # type: ignore[arg-type]
    connect(pw)
    save_card(pw)
    tender = card_tender(pw, 20000)
    if moment == "in_flight":
        stripe_api.fault("/v1/payment_intents", "timeout_after", seconds=60)
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.clinic.payments.stripe_charge_child", str(tender.pk), moment],
        cwd=ROOT,
        env=child_env(stripe_api),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert child.stdout is not None
        if moment == "in_flight":
            # Stripe has made the PaymentIntent; its answer has not reached the worker yet.
            wait_until(
                lambda: any(i["metadata"].get("tender") == str(tender.pk) for i in intents(stripe_api))
            )
        else:
            wait_until(lambda: child.stdout.readline().strip() == "ANSWERED")  # type: ignore[union-attr]
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    tender.refresh_from_db()
    assert tender.status == TenderStatus.PENDING
    assert not LedgerEntry.objects.filter(tender=tender, kind=EntryKind.PAYMENT).exists()
    charge = StripeCharge.objects.get(tender=tender)
    assert bool(charge.payment_intent_id) == (moment == "answered")
    assert_ledger_consistent(pw.client)

    # The worker comes back: one check records the charge; more checks change nothing.
    later = AFTER_VISIT + timedelta(minutes=5)
    assert stripe_payments.reconcile_pending(later) == 1
    assert stripe_payments.reconcile_pending(later + timedelta(minutes=5)) == 0
    tender = Tender.objects.get(pk=tender.pk)
    assert tender.status == TenderStatus.SUCCEEDED
    (intent,) = intents(stripe_api)
    assert tender.processor_id == intent["id"] and intent["status"] == "succeeded"
    assert LedgerEntry.objects.filter(tender=tender, kind=EntryKind.PAYMENT).count() == 1
    assert_ledger_consistent(pw.client)
