"""The portal's payments page: deposits, invoices and receipts, packages, the invoice page (PDF
when installed) and the card page; a client sees only their own."""

from __future__ import annotations

import subprocess
from datetime import date, timedelta
from typing import Any

import pytest
from django.urls import reverse

from needlepoint import clock
from needlepoint.clinic.audit.models import AccessLog
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.payments import ledger
from needlepoint.clinic.payments.checkout import CheckoutSpec, check_out
from needlepoint.clinic.payments.invoices import LineSpec
from needlepoint.clinic.payments.models import (
    Account,
    ClientPackage,
    DepositRequest,
    DepositStatus,
    EntryKind,
    Invoice,
)
from needlepoint.clinic.payments.tenders import TenderSpec, new_tender, refund_paid_elsewhere
from needlepoint.portal.session import SESSION_KEY
from tests.clinic.payments.conftest import AFTER_VISIT, PayWorld, make_pay_world
from tests.clinic.payments.helpers import assert_ledger_consistent
from tests.conftest import ClinicWorld
from tests.web.test_isolation import EXTRA_ROUTES

# The route census (tests/web/test_isolation.py): the portal's invoice pages are checked here.
EXTRA_ROUTES.update({"portal-invoice": "invoice", "portal-invoice-pdf": "invoice"})

pytestmark = pytest.mark.django_db


@pytest.fixture
def pw(clinic_a: ClinicWorld) -> PayWorld:
    return make_pay_world(clinic_a)


def _as(http: Any, client: Any) -> Any:
    session = http.session
    session[SESSION_KEY] = {"client": client.pk, "clinic": client.clinic_id}
    session.save()
    return http


def _url(name: str, pw: PayWorld, **kw: Any) -> str:
    return reverse(name, kwargs={"slug": pw.world.clinic.slug, **kw})  # type: ignore[attr-defined]


def _history(pw: PayWorld) -> Invoice:
    """A paid visit with a product, a part refund, a package with one session used, and a deposit
    held for the next visit."""
    client = pw.client
    package = ClientPackage.objects.create(
        clinic=pw.world.clinic,
        client=client,
        name="Course of 3, full face",
        sessions_total=3,
        price_minor=54000,
        currency="GBP",
        sold_at=AFTER_VISIT - timedelta(days=10),
        expires_at=clock.now() + timedelta(days=300),
    )
    ledger.post(
        client, ledger.Posting(Account.CREDIT, EntryKind.CREDIT_ISSUED, 54000), at=AFTER_VISIT, currency="GBP"
    )  # type: ignore[arg-type]
    treatment = LineSpec(
        kind="treatment", description="Microneedling: full face", unit_price_minor=20000, areas=("face",)
    )
    serum = LineSpec(kind="product", description="Recovery serum", unit_price_minor=3500, product=pw.product)
    result = check_out(
        pw.visit,  # type: ignore[arg-type]
        CheckoutSpec([treatment, serum], [TenderSpec("card_terminal", 3500)], client_package_id=package.pk),
        actor=pw.desk,  # type: ignore[arg-type]
        now=AFTER_VISIT,
    )
    refund_paid_elsewhere(result.tenders[0], 500, reason="Dented tube", actor=pw.owner, now=AFTER_VISIT)  # type: ignore[arg-type]
    nxt = pw.later_visits[0]
    deposit = DepositRequest.objects.create(
        clinic=pw.world.clinic,
        appointment=nxt,
        client=client,
        amount_minor=2500,
        currency="GBP",
        due_by=AFTER_VISIT,
        created_at=AFTER_VISIT,
    )
    t = new_tender(
        client, TenderSpec("cash", 2500), at=AFTER_VISIT, by=pw.desk, purpose="deposit", appointment=nxt
    )  # type: ignore[arg-type]
    DepositRequest.objects.filter(pk=deposit.pk).update(status=DepositStatus.PAID, tender=t)
    return result.invoice


def test_the_client_sees_deposits_invoices_receipts_and_packages(client: Any, pw: PayWorld) -> None:
    invoice = _history(pw)
    page = _as(client, pw.client).get(_url("portal-money", pw))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Course of 3, full face" in html and "2 of 3 sessions left" in html and "£360.00" in html
    assert invoice.number_text in html and "paid" in html
    assert "£35.00 by card terminal" in html and "£5.00 refunded" in html
    assert (
        "£25.00 for your visit" in html
        and "Paid" in html
        and "Deposits held for your bookings: <strong>£25.00" in html
    )
    assert _url("portal-money-card", pw) in html
    assert AccessLog.objects.filter(action="portal-money", client=pw.client).exists()
    home = client.get(_url("portal-home", pw)).content.decode()
    assert _url("portal-money", pw) in home  # the portal's menu links it
    assert_ledger_consistent(pw.client)


def test_the_invoice_page_shows_lines_tax_and_payments(client: Any, pw: PayWorld) -> None:
    invoice = _history(pw)
    page = _as(client, pw.client).get(_url("portal-invoice", pw, invoice_pk=invoice.pk))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Microneedling: full face" in html and "Paid with package credit" in html
    assert "Recovery serum" in html and "£5.83" in html  # 20 % VAT inside £35.00
    assert "Paid in full." in html and "Download PDF" in html
    assert_ledger_consistent(pw.client)


def test_the_invoice_pdf_reads_back(client: Any, pw: PayWorld, tmp_path: Any) -> None:
    invoice = _history(pw)
    pdf = _as(client, pw.client).get(_url("portal-invoice-pdf", pw, invoice_pk=invoice.pk))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    path = tmp_path / "invoice.pdf"
    path.write_bytes(pdf.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert invoice.number_text in text and "Recovery serum" in text
    assert AccessLog.objects.filter(action="portal-invoice-pdf", client=pw.client).exists()
    assert_ledger_consistent(pw.client)


def test_another_clients_or_clinics_invoice_is_not_found(
    client: Any, pw: PayWorld, clinic_b: ClinicWorld
) -> None:
    invoice = _history(pw)
    other = Client.objects.create(
        clinic=pw.world.clinic, first_name="Ann", last_name="Other", date_of_birth=date(1985, 3, 1)
    )
    _as(client, other)
    for name in ("portal-invoice", "portal-invoice-pdf"):
        assert client.get(_url(name, pw, invoice_pk=invoice.pk)).status_code == 404
    page = client.get(_url("portal-money", pw)).content.decode()
    assert invoice.number_text not in page and "No invoices yet." in page and "Course of 3" not in page
    # the clinic B client with a session in clinic B cannot use it at clinic A's address
    _as(client, clinic_b.client)
    assert client.get(_url("portal-money", pw)).status_code == 302
    assert client.get(_url("portal-invoice", pw, invoice_pk=invoice.pk)).status_code == 302
    client.session.flush()
    assert client.get(_url("portal-money", pw)).status_code == 302  # signed out: to sign in
    assert_ledger_consistent(pw.client)


def test_the_card_page_without_card_payments_says_so(client: Any, pw: PayWorld) -> None:
    page = _as(client, pw.client).get(_url("portal-money-card", pw))
    html = page.content.decode()
    assert page.status_code == 200 and "Card payments are not set up at this clinic" in html
    assert "js.stripe.com" not in html and "js.stripe.com" not in page["Content-Security-Policy"]


@pytest.mark.usefixtures("stripe_api")
def test_the_card_page_mounts_the_payment_element_and_saves_the_card(client: Any, pw: PayWorld) -> None:
    from needlepoint.clinic.payments.models import SavedCard
    from needlepoint.clinic.payments.stripe_gateway import client_for
    from tests.clinic.payments.stripe_helpers import VISA, connect

    connect(pw)
    page = _as(client, pw.client).get(_url("portal-money-card", pw))
    html = page.content.decode()
    assert page.status_code == 200
    secret = html.split('data-client-secret="')[1].split('"')[0]
    assert secret.startswith("seti_") and 'src="https://js.stripe.com/v3/"' in html
    assert 'data-publishable-key="pk_test_a51public"' in html and "portal-card.js" in html
    csp = page["Content-Security-Policy"]
    assert "script-src 'self' https://js.stripe.com" in csp and "frame-src https://js.stripe.com" in csp
    # What Stripe.js does in the browser: confirm the SetupIntent with the card, then come back.
    setup_id = secret.split("_secret_")[0]
    sc = client_for(pw.world.clinic.pk)  # type: ignore[attr-defined]
    pm = sc.v1.payment_methods.create(
        params={"type": "card", "card": {"number": VISA, "exp_month": "12", "exp_year": "2030", "cvc": "123"}}
    )
    sc.v1.setup_intents.confirm(setup_id, params={"payment_method": pm.id})
    back = client.get(_url("portal-money-card", pw) + f"?setup_intent={setup_id}&redirect_status=succeeded")
    assert "Card saved" in back.content.decode() and "4242" in back.content.decode()
    assert SavedCard.objects.filter(client=pw.client, last4="4242").count() == 1
    # someone else's SetupIntent is refused with a message, nothing saved
    forged = client.get(_url("portal-money-card", pw) + "?setup_intent=seti_forged")
    assert forged.status_code == 200 and SavedCard.objects.filter(client=pw.client).count() == 1
    # the rest of the portal keeps the strict policy
    other = client.get(_url("portal-money", pw))
    assert "js.stripe.com" not in other["Content-Security-Policy"]


def test_the_membership_and_a_failed_card(client: Any, pw: PayWorld) -> None:
    from needlepoint.clinic.payments import memberships
    from needlepoint.clinic.payments.models_recurring import ClientMembership, MembershipPlan

    plan = MembershipPlan.objects.create(
        clinic=pw.world.clinic, name="Glow club", monthly_fee_minor=5000, included_credits=1
    )
    m = memberships.join(pw.client, plan, actor=pw.desk, now=AFTER_VISIT)  # type: ignore[arg-type]
    html = _as(client, pw.client).get(_url("portal-money", pw)).content.decode()
    assert "Glow club" in html and "1 included session left this month" in html
    ClientMembership.objects.filter(pk=m.pk).update(status="card_failed")
    html = client.get(_url("portal-money", pw)).content.decode()
    assert "did not go through" in html and _url("portal-money-card", pw) in html
