"""The till page: who may use it, the happy path (treatment + product, split cash and terminal),
refusals shown on the form, the live total, double submits, card on file, the receipt email."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from needlepoint.clinic.messaging.models import Kind, OutboxMessage
from needlepoint.clinic.payments import ledger
from needlepoint.clinic.payments.models import Invoice, ProductStock, Tender, TenderStatus
from tests.clinic.payments.conftest import PayWorld
from tests.clinic.payments.helpers import assert_ledger_consistent
from tests.conftest import ClinicWorld

from .conftest import FakeCards

pytestmark = pytest.mark.django_db


def _url(pw: PayWorld) -> str:
    return reverse("checkout", kwargs={"pk": pw.visit.pk})  # type: ignore[attr-defined]


def _key(page: Any) -> str:
    return re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page.content.decode()).group(1)  # type: ignore[union-attr]


def _form(client: Any, pw: PayWorld, **extra: str) -> dict[str, str]:
    page = client.get(_url(pw))
    assert page.status_code == 200
    data = {"idempotency_key": _key(page), "treat_0": "on", "treat_1": "on"}
    data.update(extra)
    return data


@pytest.mark.parametrize(("role", "status"), [("owner", 200), ("front_desk", 200), ("practitioner", 403)])
def test_front_desk_and_owners_take_payments(client: Any, till: PayWorld, role: str, status: int) -> None:
    client.force_login(till.world.users[role])
    assert client.get(_url(till)).status_code == status


def test_another_clinics_visit_is_not_found(client: Any, till: PayWorld, clinic_b: ClinicWorld) -> None:
    client.force_login(clinic_b.users["front_desk"])
    assert client.get(_url(till)).status_code == 404
    assert client.post(_url(till), {"treat_0": "on", "pay_cash": "1"}).status_code == 404
    assert not Invoice.objects.exists()


def test_page_is_prefilled_with_the_plans_treatment_lines_and_products(client: Any, till: PayWorld) -> None:
    client.force_login(till.world.users["front_desk"])
    body = client.get(_url(till)).content.decode()
    assert "Microneedling: " in body and "£120.00" in body and "£80.00" in body
    assert "Recovery serum — £35.00 (5 in stock)" in body
    assert 'data-total="20000"' in body  # both areas, untaxed by default
    assert "Card on file" not in body  # paid-elsewhere clinic


def test_checkout_with_a_product_and_split_tenders_issues_the_invoice(client: Any, till: PayWorld) -> None:
    client.force_login(till.world.users["front_desk"])
    data = _form(
        client, till, product_0=str(till.product.pk), qty_0="2", pay_cash="70.00",  # type: ignore[attr-defined]
        pay_card_terminal="200", reference="slip 42",
    )  # fmt: skip
    response = client.post(_url(till), data)
    invoice = Invoice.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "invoice-detail", args=[invoice.pk]
    )
    assert invoice.total_minor == 27000 and ledger.invoice_balance(invoice.pk) == 0
    assert sorted((t.method, t.amount_minor) for t in Tender.objects.all()) == [
        ("card_terminal", 20000),
        ("cash", 7000),
    ]
    assert Tender.objects.get(method="card_terminal").reference == "slip 42"
    assert ProductStock.objects.get(product=till.product).quantity == 3
    page = client.get(response["Location"]).content.decode()
    assert invoice.number_text in page and "Invoice INV-000001 issued." in page
    assert_ledger_consistent(till.client)


def test_a_double_submit_makes_one_invoice(client: Any, till: PayWorld) -> None:
    client.force_login(till.world.users["front_desk"])
    data = _form(client, till, pay_cash="200")
    first = client.post(_url(till), data)
    second = client.post(_url(till), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Invoice.objects.count() == 1 and Tender.objects.count() == 1
    assert_ledger_consistent(till.client)


def test_out_of_stock_is_refused_with_a_clear_message(client: Any, till: PayWorld) -> None:
    client.force_login(till.world.users["front_desk"])
    data = _form(client, till, product_0=str(till.product.pk), qty_0="6")  # type: ignore[attr-defined]
    response = client.post(_url(till), data)
    assert response.status_code == 400
    assert "Recovery serum: only 5 in stock at this location." in response.content.decode()
    assert not Invoice.objects.exists() and ProductStock.objects.get(product=till.product).quantity == 5
    assert_ledger_consistent(till.client)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"discount": "20"}, "Say why the discount was given."),
        ({"discount": "500", "discount_reason": "Loyalty"}, "The discount is more than the visit costs."),
        ({"pay_cash": "250"}, "The payments add up to more than is due on this visit."),
        ({"pay_cash": "abc"}, "is not an amount of money"),
        ({"tip": "1.234"}, "at most 2 decimal places"),
        ({"pay_cash": "-5"}, "An amount cannot be negative."),
    ],
)
def test_bad_input_is_refused_on_the_form(
    client: Any, till: PayWorld, extra: dict[str, str], message: str
) -> None:
    client.force_login(till.world.users["front_desk"])
    response = client.post(_url(till), _form(client, till, **extra))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Invoice.objects.exists() and not Tender.objects.exists()
    assert_ledger_consistent(till.client)


def test_a_discount_with_a_reason_and_a_tip(client: Any, till: PayWorld) -> None:
    client.force_login(till.world.users["owner"])
    data = _form(client, till, discount="20", discount_reason="Loyalty", tip="10", pay_cash="190")
    assert client.post(_url(till), data).status_code == 302
    invoice = Invoice.objects.get()
    assert (invoice.discount_minor, invoice.tip_minor, invoice.total_minor) == (2000, 1000, 19000)
    assert invoice.lines.get(position=0).discount_reason == "Loyalty"
    assert ledger.invoice_balance(invoice.pk) == 0
    assert_ledger_consistent(till.client)


def test_the_live_total_follows_the_form(client: Any, till: PayWorld) -> None:
    client.force_login(till.world.users["front_desk"])
    url = reverse("checkout-total", kwargs={"pk": till.visit.pk})  # type: ignore[attr-defined]
    data = _form(client, till, product_0=str(till.product.pk), qty_0="1", pay_cash="50")  # type: ignore[attr-defined]
    body = client.post(url, data, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-total="23500"' in body and 'data-remaining="18500"' in body
    assert "£5.83" in body  # the serum's 20 % VAT inside £35
    body = client.post(url, {**data, "discount": "10"}).content.decode()
    assert "Say why the discount was given." in body
    assert not Invoice.objects.exists()


def test_a_visit_not_yet_here_cannot_be_checked_out(client: Any, till: PayWorld) -> None:
    later = till.later_visits[0]
    client.force_login(till.world.users["front_desk"])
    assert client.get(reverse("checkout", kwargs={"pk": later.pk})).status_code == 404


def test_a_checked_out_visit_links_to_its_invoice(client: Any, till: PayWorld) -> None:
    client.force_login(till.world.users["front_desk"])
    appt_page = client.get(reverse("appointment-detail", args=[till.visit.pk])).content.decode()  # type: ignore[attr-defined]
    assert reverse("checkout", args=[till.visit.pk]) in appt_page  # type: ignore[attr-defined]
    client.post(_url(till), _form(client, till, pay_cash="200"))
    invoice = Invoice.objects.get()
    assert client.get(_url(till))["Location"] == reverse("invoice-detail", args=[invoice.pk])
    appt_page = client.get(reverse("appointment-detail", args=[till.visit.pk])).content.decode()  # type: ignore[attr-defined]
    assert invoice.number_text in appt_page


def test_card_on_file_is_charged_after_the_invoice_commits(
    client: Any, till: PayWorld, cards: FakeCards, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(till.world.users["front_desk"])
    data = _form(client, till, pay_stripe="200")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(till), data)
    assert response.status_code == 302
    tender = Tender.objects.get()
    assert tender.method == "stripe" and tender.status == TenderStatus.SUCCEEDED
    assert cards.charged == [tender.pk]
    assert ledger.invoice_balance(Invoice.objects.get().pk) == 0
    assert_ledger_consistent(till.client)


def test_a_declined_card_leaves_the_amount_owed(
    client: Any, till: PayWorld, cards: FakeCards, django_capture_on_commit_callbacks: Any
) -> None:
    cards.charge_status = "failed"
    client.force_login(till.world.users["front_desk"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(till), _form(client, till, pay_stripe="200"))
    page = client.get(response["Location"]).content.decode()
    assert "Failed — Your card was declined." in page  # the tender row says why
    assert Tender.objects.get().status == TenderStatus.FAILED
    assert ledger.invoice_balance(Invoice.objects.get().pk) == 20000
    assert_ledger_consistent(till.client)


def test_no_card_on_file_no_card_field(client: Any, till: PayWorld, cards: FakeCards) -> None:
    cards.cards.clear()
    client.force_login(till.world.users["front_desk"])
    assert "Card on file" not in client.get(_url(till)).content.decode()
    data = _form(client, till, pay_stripe="200")
    client.post(_url(till), data)  # the field is not on the form: ignored, nothing charged
    assert not Tender.objects.filter(method="stripe").exists()


def test_the_client_gets_a_receipt_email(client: Any, till: PayWorld) -> None:
    client.force_login(till.world.users["front_desk"])
    client.post(_url(till), _form(client, till, pay_cash="200"))
    invoice = Invoice.objects.get()
    receipt = OutboxMessage.objects.get(kind=Kind.RECEIPT)
    assert receipt.recipient == till.client.email  # type: ignore[attr-defined]
    assert invoice.number_text in receipt.subject and "£200.00" in receipt.body
    from needlepoint.clinic.messaging.composers import body_to_send

    sent = body_to_send(receipt)  # written again at send time: the cash is on it
    assert "Cash: £200.00" in sent and "Balance due: £0.00" in sent
