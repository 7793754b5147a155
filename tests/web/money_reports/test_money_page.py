"""The owner's money page: the period picker, tables, CSV downloads and the Stripe upload."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from needlepoint import clock
from needlepoint.clinic.audit.models import AccessLog
from needlepoint.clinic.payments.checkout import CheckoutSpec, check_out
from needlepoint.clinic.payments.invoices import LineSpec
from needlepoint.clinic.payments.models import Tender
from needlepoint.clinic.payments.tenders import TenderSpec, settle
from tests.clinic.payments.conftest import AFTER_VISIT, PayWorld, make_pay_world
from tests.clinic.payments.helpers import assert_ledger_consistent
from tests.conftest import ClinicWorld

pytestmark = pytest.mark.django_db
PERIOD = {"first": "2027-01-01", "last": "2027-01-31"}


@pytest.fixture
def pw(clinic_a: ClinicWorld) -> PayWorld:
    return make_pay_world(clinic_a)


def _line(price: int = 20000) -> LineSpec:
    return LineSpec(kind="treatment", description="Microneedling: full face", unit_price_minor=price)


def _owner(client: Any, pw: PayWorld) -> Any:
    client.force_login(pw.world.users["owner"])
    return client


def test_the_page_shows_takings_revenue_balances_and_links_csv(client: Any, pw: PayWorld) -> None:
    check_out(pw.visit, CheckoutSpec([_line()], [TenderSpec("cash", 12000)]), actor=pw.desk, now=AFTER_VISIT)  # type: ignore[arg-type]
    page = _owner(client, pw).get(reverse("money-reports"), PERIOD)
    html = page.content.decode()
    assert page.status_code == 200
    assert "£120.00" in html and "£80.00" in html  # cash taken; still owed
    assert pw.client.full_name in html and pw.visit.practitioner.name in html  # type: ignore[attr-defined]
    assert "table=takings" in html and 'action="/money/reconcile/"' in html
    assert AccessLog.objects.filter(action="money reports").exists()
    export = client.get(reverse("money-reports-export"), {**PERIOD, "table": "takings"})
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[1][2:5] == ["Cash", "120.00", "GBP"]
    assert client.get(reverse("money-reports-export"), {**PERIOD, "table": "x"}).status_code == 400
    assert_ledger_consistent(pw.client)


def test_default_period_is_this_month_and_a_bad_one_is_a_400(client: Any, pw: PayWorld) -> None:
    with clock.frozen(AFTER_VISIT):
        page = _owner(client, pw).get(reverse("money-reports"))
    assert page.status_code == 200 and 'value="2027-01-01"' in page.content.decode()
    bad = client.get(reverse("money-reports"), {"first": "2027-02-01", "last": "2027-01-01"})
    assert bad.status_code == 400 and "ends before it starts" in bad.content.decode()


def test_other_roles_are_refused(client: Any, pw: PayWorld) -> None:
    for role in ("front_desk", "practitioner"):
        client.force_login(pw.world.users[role])
        assert client.get(reverse("money-reports"), PERIOD).status_code == 403
        assert client.get(reverse("money-reports-export"), PERIOD).status_code == 403


def test_reconciliation_upload_shows_each_payment_and_downloads_csv(client: Any, pw: PayWorld) -> None:
    result = check_out(
        pw.visit, CheckoutSpec([_line()], [TenderSpec("stripe", 20000)]), actor=pw.desk, now=AFTER_VISIT
    )  # type: ignore[arg-type]
    (tender,) = result.pending
    Tender.objects.filter(pk=tender.pk).update(processor_id="pi_abc")
    tender.processor_id = "pi_abc"
    settle(tender, at=AFTER_VISIT)
    text = "reporting_category,gross,currency,payment_intent_id\n" + (
        "charge,199.00,gbp,pi_abc\ncharge,5.00,gbp,pi_zzz\n"
    )
    _owner(client, pw)

    def upload(body: str | bytes, **extra: str) -> Any:
        raw = body.encode() if isinstance(body, str) else body
        data = {**PERIOD, **extra, "file": SimpleUploadedFile("export.csv", raw, "text/csv")}
        return client.post(reverse("money-reconcile"), data)

    page = upload(text)
    html = page.content.decode()
    assert (
        page.status_code == 200 and "Amount differs" in html and "Missing here" in html and "pi_zzz" in html
    )
    as_csv = upload(text, format="csv")
    assert as_csv["Content-Type"].startswith("text/csv") and b"amount_differs" in as_csv.content
    bad = upload("name\nx\n")
    assert bad.status_code == 400 and "not a Stripe" in bad.content.decode()
    assert upload(b"\xff\xfe\x00bad").status_code == 400
    assert_ledger_consistent(pw.client)
