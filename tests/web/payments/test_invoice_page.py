"""The invoice page, its PDF (read back with pdftotext) and the owner's refund form."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from needlepoint.clinic.audit.models import AccessLog
from needlepoint.clinic.payments import ledger
from needlepoint.clinic.payments.models import EntryKind, LedgerEntry, PaymentSettings, Tender
from needlepoint.clinic.payments.selectors import settings_for
from needlepoint.clinic.payments.tenders import TenderSpec
from tests.clinic.payments.conftest import PayWorld
from tests.clinic.payments.helpers import assert_ledger_consistent
from tests.conftest import ClinicWorld

from .helpers import checked_out, pdf_text

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["owner", "front_desk", "practitioner"])
def test_every_staff_member_reads_an_invoice_and_the_read_is_logged(
    client: Any, till: PayWorld, role: str
) -> None:
    invoice = checked_out(till, TenderSpec("cash", 23500))
    client.force_login(till.world.users[role])
    body = client.get(reverse("invoice-detail", args=[invoice.pk])).content.decode()
    assert "INV-000001" in body and "Recovery serum" in body and "£235.00" in body
    assert "VAT" in body and "£5.83 (20%)" in body  # tax per line, the clinic's tax name
    assert 'data-balance="0"' in body
    assert ("refund-amount-" in body) is (role == "owner")
    assert AccessLog.objects.filter(client=till.client, action="view invoice").exists()


def test_another_clinics_invoice_is_not_found(client: Any, till: PayWorld, clinic_b: ClinicWorld) -> None:
    invoice = checked_out(till, TenderSpec("cash", 23500))
    client.force_login(clinic_b.users["owner"])
    for name in ("invoice-detail", "invoice-pdf"):
        assert client.get(reverse(name, args=[invoice.pk])).status_code == 404
    tender = Tender.objects.get()
    data = {"tender": tender.pk, "amount": "10", "reason": "x"}
    assert client.post(reverse("invoice-refund", args=[invoice.pk]), data).status_code == 404
    assert not LedgerEntry.objects.filter(kind=EntryKind.REFUND).exists()


def test_the_pdf_reads_back_with_lines_tax_totals_and_the_receipt(
    client: Any, till: PayWorld, tmp_path: Any
) -> None:
    settings_for(till.world.clinic.pk)  # type: ignore[attr-defined]
    PaymentSettings.objects.filter(clinic=till.world.clinic).update(
        tax_registration="GB123456789", invoice_footer="Thank you for choosing us."
    )
    invoice = checked_out(till, TenderSpec("card_terminal", 20000), TenderSpec("cash", 3500))
    client.force_login(till.world.users["front_desk"])
    response = client.get(reverse("invoice-pdf", args=[invoice.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert 'filename="INV-000001.pdf"' in response["Content-Disposition"]
    text = pdf_text(response.content, tmp_path)
    for expected in (
        "Invoice INV-000001",
        "Clinic A",
        "ZeldaA ClientA",
        "Recovery serum",
        "GB123456789",
        "£235.00",
        "£5.83",
        "Receipt",
        "Card terminal",
        "Thank you for choosing us.",
    ):
        assert expected in text, expected
    assert AccessLog.objects.filter(client=till.client, action="download invoice").exists()


def test_an_owner_refunds_cash_in_part(client: Any, till: PayWorld) -> None:
    invoice = checked_out(till, TenderSpec("cash", 23500))
    tender = Tender.objects.get()
    client.force_login(till.world.users["owner"])
    url = reverse("invoice-refund", args=[invoice.pk])
    response = client.post(url, {"tender": tender.pk, "amount": "35.00", "reason": "Serum returned"})
    assert response.status_code == 302
    page = client.get(reverse("invoice-detail", args=[invoice.pk])).content.decode()
    assert "Refund recorded." in page and "Serum returned" in page and "up to £200.00" in page
    assert ledger.invoice_balance(invoice.pk) == 0
    assert_ledger_consistent(till.client)


@pytest.mark.parametrize(
    ("amount", "reason", "message"),
    [
        ("300", "Too much", "That is more than can be refunded on this payment."),
        ("10", "", "This field is required."),
        ("0", "Nothing", "A refund must be more than zero."),
        ("ten", "Typo", "is not an amount of money"),
    ],
)
def test_bad_refunds_are_refused_with_a_message(
    client: Any, till: PayWorld, amount: str, reason: str, message: str
) -> None:
    invoice = checked_out(till, TenderSpec("cash", 23500))
    tender = Tender.objects.get()
    client.force_login(till.world.users["owner"])
    response = client.post(
        reverse("invoice-refund", args=[invoice.pk]),
        {"tender": tender.pk, "amount": amount, "reason": reason},
    )
    assert 400 <= response.status_code < 500
    assert message in response.content.decode()
    assert not LedgerEntry.objects.filter(kind=EntryKind.REFUND).exists()
    assert_ledger_consistent(till.client)


@pytest.mark.parametrize("role", ["front_desk", "practitioner"])
def test_only_owners_refund(client: Any, till: PayWorld, role: str) -> None:
    invoice = checked_out(till, TenderSpec("cash", 23500))
    tender = Tender.objects.get()
    client.force_login(till.world.users[role])
    response = client.post(
        reverse("invoice-refund", args=[invoice.pk]), {"tender": tender.pk, "amount": "10", "reason": "x"}
    )
    assert response.status_code == 403
    assert not LedgerEntry.objects.filter(kind=EntryKind.REFUND).exists()
