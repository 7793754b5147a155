"""Tills at once: two staff checking out the same visit get one invoice and one refusal; many
visits checked out together get gap-free, unique invoice numbers. Real threads, real commits
(on PostgreSQL row locks decide; on SQLite the IMMEDIATE write transaction does)."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from needlepoint.clinic.accounts.models import Membership
from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.errors import Conflict
from needlepoint.clinic.payments.checkout import CheckoutSpec, check_out
from needlepoint.clinic.payments.invoices import LineSpec
from needlepoint.clinic.payments.models import Invoice, LedgerEntry, PaymentSettings
from needlepoint.clinic.payments.tenders import TenderSpec
from tests.conftest import make_clinic_world

from .conftest import AFTER_VISIT, make_pay_world
from .helpers import assert_ledger_consistent


def _till(appt_id: int, member_id: int, results: list[str], barrier: threading.Barrier) -> None:
    try:
        appt = Appointment.objects.get(pk=appt_id)
        member = Membership.objects.get(pk=member_id)
        line = LineSpec(kind="treatment", description="Face", unit_price_minor=20000)
        barrier.wait(timeout=30)
        check_out(appt, CheckoutSpec([line], [TenderSpec("cash", 20000)]), actor=member, now=AFTER_VISIT)
        results.append("ok")
    except Conflict:
        results.append("refused")
    except Exception as exc:  # anything else is a bug the test reports
        results.append(repr(exc))
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_two_tills_one_visit_and_many_visits_at_once() -> None:
    pw = make_pay_world(make_clinic_world("T"))
    visits = [pw.visit, *pw.later_visits]
    jobs = [(visits[0].pk, pw.desk.pk), (visits[0].pk, pw.owner.pk)]  # the same visit twice
    jobs += [(v.pk, pw.desk.pk) for v in visits[1:]]
    results: list[str] = []
    barrier = threading.Barrier(len(jobs))
    threads = [threading.Thread(target=_till, args=(a, m, results, barrier)) for a, m in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(results) == sorted(["ok"] * len(visits) + ["refused"]), results
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == list(range(1, len(visits) + 1))
    assert PaymentSettings.objects.get(clinic=pw.world.clinic).last_invoice_number == len(visits)
    assert LedgerEntry.objects.filter(kind="payment").count() == len(visits)
    assert_ledger_consistent(pw.client)
