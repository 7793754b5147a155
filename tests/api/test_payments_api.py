"""The payments API: invoices with lines, tax and tenders; balances; package balances; payments
taken elsewhere; owner refunds; checkout with Idempotency-Key. Roles, other clinics, bad input."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from needlepoint import clock
from needlepoint.clinic.payments import ledger
from needlepoint.clinic.payments.models import (
    Account,
    ClientPackage,
    EntryKind,
    Invoice,
    LedgerEntry,
    Product,
)
from tests.api.conftest import Api, token_for
from tests.clinic.payments.conftest import PayWorld, make_pay_world
from tests.clinic.payments.helpers import assert_ledger_consistent
from tests.conftest import ClinicWorld

pytestmark = pytest.mark.django_db

FACE = {
    "kind": "treatment",
    "description": "Microneedling: full face",
    "unit_price_minor": 20000,
    "areas": ["face"],
}


@pytest.fixture
def pw(clinic_a: ClinicWorld) -> PayWorld:
    return make_pay_world(clinic_a)


def api(pw: PayWorld, role: str = "front_desk") -> Api:
    return Api(token_for(pw.world, role))


def checkout(a: Api, visit: Any, body: dict[str, Any], key: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {a.token}"} | ({"Idempotency-Key": key} if key else {})
    return a.client.post(
        f"/api/appointments/{visit.pk}/checkout",
        json.dumps(body),
        content_type="application/json",
        headers=headers,
    )


def test_checkout_issues_an_invoice_with_lines_tax_and_tenders_and_replays_by_key(pw: PayWorld) -> None:
    desk = api(pw)
    serum = {"kind": "product", "description": "Recovery serum", "unit_price_minor": 3500, "quantity": 2}
    body = {
        "lines": [FACE, serum | {"product_id": pw.product.pk}],  # type: ignore[attr-defined]
        "tenders": [
            {"method": "cash", "amount_minor": 20000},
            {"method": "card_terminal", "amount_minor": 7000},
        ],
    }
    first = checkout(desk, pw.visit, body, key="till-7")
    assert first.status_code == 201, first.content
    out = first.json()
    inv = out["invoice"]
    assert inv["number_text"] == "INV-000001" and inv["total_minor"] == 27000 and inv["balance_minor"] == 0
    assert inv["tax_minor"] == 1167 and [line["tax_rate_bp"] for line in inv["lines"]] == [0, 2000]
    assert inv["lines"][0]["areas"] == ["face"]
    assert [(t["method"], t["amount_minor"], t["status"]) for t in inv["tenders"]] == [
        ("cash", 20000, "succeeded"),
        ("card_terminal", 7000, "succeeded"),
    ]
    again = checkout(desk, pw.visit, body, key="till-7")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["invoice"]["id"] == inv["id"] and Invoice.objects.count() == 1
    twice = checkout(desk, pw.visit, body)
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_checked_out"
    assert "INV-000001" in twice.json()["error"]["message"]
    assert LedgerEntry.objects.filter(kind=EntryKind.PAYMENT).count() == 2
    assert_ledger_consistent(pw.client)


@pytest.mark.parametrize(
    ("body", "status", "code", "message"),
    [
        ({"lines": [FACE | {"unit_price_minor": -5}]}, 400, "invalid", "cannot be negative"),
        ({"lines": [FACE | {"discount_minor": 500}]}, 400, "invalid", "Say why"),
        (
            {"lines": [FACE], "tenders": [{"method": "cash", "amount_minor": 20001}]},
            400,
            "overpayment",
            "more than",
        ),
        ({"lines": [FACE], "currency": "USD"}, 400, "currency_mismatch", "takes GBP"),
        (
            {"lines": [FACE | {"kind": "product", "quantity": 9, "product_id": "PRODUCT"}]},
            409,
            "out_of_stock",
            "stock",
        ),
        ({"lines": [FACE | {"kind": "product", "product_id": 999999}]}, 400, "invalid", "No such product"),
        ({"lines": [FACE], "client_package_id": 999999}, 404, "not_found", "No such package"),
        ({"tenders": [{"method": "stripe", "amount_minor": 100}]}, 422, "invalid_request", "schema"),
    ],
)
def test_bad_checkouts_are_refused_with_a_message_and_change_nothing(
    pw: PayWorld, body: dict[str, Any], status: int, code: str, message: str
) -> None:
    for line in body.get("lines", []):
        if line.get("product_id") == "PRODUCT":
            line["product_id"] = pw.product.pk  # type: ignore[attr-defined]
    response = checkout(api(pw), pw.visit, body)
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code and message in error["message"]
    assert not Invoice.objects.exists() and not LedgerEntry.objects.exists()
    assert_ledger_consistent(pw.client)


def test_a_product_of_another_clinic_is_not_sold(pw: PayWorld, clinic_b: ClinicWorld) -> None:
    theirs = Product.objects.create(clinic=clinic_b.clinic, name="Their serum", price_minor=100)
    line = FACE | {"kind": "product", "product_id": theirs.pk}
    response = checkout(api(pw), pw.visit, {"lines": [line]})
    assert response.status_code == 400 and response.json()["error"]["fields"] == {
        "lines.0.product_id": ["Not found."]
    }
    assert_ledger_consistent(pw.client)


def test_invoices_balances_and_packages_read_by_every_staff_role(pw: PayWorld) -> None:
    checkout(api(pw), pw.visit, {"lines": [FACE], "tenders": [{"method": "cash", "amount_minor": 5000}]})
    package = ClientPackage.objects.create(
        clinic=pw.world.clinic,
        client=pw.client,
        name="3 sessions",
        areas="face",
        sessions_total=3,
        price_minor=50000,
        currency="GBP",
        sold_at=clock.now() - timedelta(days=1),
        expires_at=clock.now() + timedelta(days=300),
    )
    ledger.post(
        pw.client,  # type: ignore[arg-type]
        ledger.Posting(Account.CREDIT, EntryKind.CREDIT_ISSUED, 50000),
        at=clock.now(),
        currency="GBP",
    )
    checkout(api(pw), pw.later_visits[0], {"lines": [FACE], "client_package_id": package.pk})
    client_id = pw.client.pk  # type: ignore[attr-defined]
    for role in ("owner", "practitioner", "front_desk"):
        a = api(pw, role)
        status, page = a.get("/invoices", client_id=client_id)
        assert status == 200 and page["total"] == 2
        assert [i["number"] for i in page["items"]] == [2, 1]
        status, inv = a.get(f"/invoices/{page['items'][1]['id']}")
        assert status == 200 and inv["balance_minor"] == 15000 and inv["tenders"][0]["amount_minor"] == 5000
        status, bal = a.get(f"/clients/{client_id}/balance")
        assert status == 200
        assert (bal["owed_minor"], bal["package_credit_minor"], bal["currency"]) == (
            15000,
            50000 - 16666,
            "GBP",
        )
        status, packages = a.get(f"/clients/{client_id}/packages")
        assert status == 200
        assert [(p["sessions_left"], p["value_left_minor"], p["areas"]) for p in packages] == [
            (2, 33334, ["face"])
        ]
    assert_ledger_consistent(pw.client)


def test_payment_on_account_and_owner_refund(pw: PayWorld) -> None:
    checkout(api(pw), pw.visit, {"lines": [FACE]})
    client_id = pw.client.pk  # type: ignore[attr-defined]
    desk = api(pw)
    status, body = desk.post(
        f"/clients/{client_id}/payments", {"method": "bank_transfer", "amount_minor": 20001}
    )
    assert status == 400 and body["error"]["code"] == "overpayment"
    status, body = desk.post(f"/clients/{client_id}/payments", {"method": "stripe", "amount_minor": 100})
    assert status == 422
    status, tender = desk.post(
        f"/clients/{client_id}/payments",
        {"method": "bank_transfer", "amount_minor": 12000, "reference": "TR-88"},
    )
    assert status == 201 and tender["reference"] == "TR-88" and tender["status"] == "succeeded"
    assert ledger.balance(pw.client) == 8000  # type: ignore[arg-type]
    # front desk may not refund: its token cannot even carry the scope
    status, body = desk.post(f"/tenders/{tender['id']}/refund", {"amount_minor": 100, "reason": "x"})
    assert status == 403
    owner = api(pw, "owner")
    status, body = owner.post(
        f"/tenders/{tender['id']}/refund", {"amount_minor": 12001, "reason": "Too much"}
    )
    assert status == 400 and body["error"]["code"] == "refund_too_large"
    status, body = owner.post(f"/tenders/{tender['id']}/refund", {"amount_minor": 2000, "reason": "Goodwill"})
    assert (
        status == 200 and body["tender"]["refunded_minor"] == 2000 and body["balance"]["owed_minor"] == 8000
    )
    status, body = owner.post(f"/tenders/{tender['id']}/refund", {"amount_minor": 1, "reason": ""})
    assert status == 422
    assert_ledger_consistent(pw.client)


def test_payment_for_someone_elses_invoice_is_refused(pw: PayWorld) -> None:
    from datetime import date

    from needlepoint.clinic.clients.models import Client

    checkout(api(pw), pw.visit, {"lines": [FACE]})
    other = Client.objects.create(
        clinic=pw.world.clinic, first_name="Other", last_name="Person", date_of_birth=date(1980, 1, 1)
    )
    invoice = Invoice.objects.get()
    status, body = api(pw).post(
        f"/clients/{other.pk}/payments", {"method": "cash", "amount_minor": 100, "invoice_id": invoice.pk}
    )
    assert status == 400 and body["error"]["fields"] == {"invoice_id": ["Not found."]}
    assert_ledger_consistent(pw.client)


def test_roles_and_scopes(pw: PayWorld) -> None:
    practitioner = api(pw, "practitioner")
    response = checkout(practitioner, pw.visit, {"lines": [FACE]})
    assert response.status_code == 403  # practitioners see balances; the front desk takes payments
    read_only = Api(token_for(pw.world, "front_desk", scopes=["payments:read"]))
    response = checkout(read_only, pw.visit, {"lines": [FACE]})
    assert response.status_code == 403 and response.json()["error"]["code"] == "insufficient_scope"
    assert not Invoice.objects.exists()
    assert_ledger_consistent(pw.client)


def test_other_clinics_objects_are_404(pw: PayWorld, clinic_b: ClinicWorld) -> None:
    checkout(api(pw), pw.visit, {"lines": [FACE], "tenders": [{"method": "cash", "amount_minor": 100}]})
    invoice, tender = Invoice.objects.get(), LedgerEntry.objects.get(kind=EntryKind.PAYMENT).tender
    theirs = Api(token_for(clinic_b, "owner"))
    client_id = pw.client.pk  # type: ignore[attr-defined]
    for method, path, body in [
        ("GET", f"/invoices/{invoice.pk}", None),
        ("GET", f"/clients/{client_id}/balance", None),
        ("GET", f"/clients/{client_id}/packages", None),
        ("POST", f"/clients/{client_id}/payments", {"method": "cash", "amount_minor": 100}),
        ("POST", f"/tenders/{tender.pk}/refund", {"amount_minor": 100, "reason": "x"}),  # type: ignore[union-attr]
        ("POST", f"/appointments/{pw.later_visits[0].pk}/checkout", {"lines": [FACE]}),  # type: ignore[attr-defined]
    ]:
        status, out = theirs.request(method, path, body)
        assert status == 404 and out["error"]["code"] == "not_found", (path, status, out)
    status, page = theirs.get("/invoices")
    assert status == 200 and page["total"] == 0
    assert Invoice.objects.count() == 1
    assert_ledger_consistent(pw.client)


@pytest.mark.usefixtures("stripe_api")
def test_owner_refunds_a_card_payment_through_stripe(pw: PayWorld) -> None:
    from needlepoint.clinic.payments import processor
    from needlepoint.clinic.payments.stripe_gateway import client_for
    from tests.clinic.payments.stripe_helpers import card_tender, connect, save_card

    connect(pw)
    save_card(pw)
    tender = card_tender(pw, 5000)
    processor.collect(tender, off_session=False)
    tender.refresh_from_db()
    status, body = api(pw, "owner").post(
        f"/tenders/{tender.pk}/refund", {"amount_minor": 2000, "reason": "Serum"}
    )
    assert status == 200 and body["tender"]["refunded_minor"] == 2000
    refunds = client_for(pw.world.clinic.pk).v1.refunds.list(params={"payment_intent": tender.processor_id})
    assert [r.amount for r in refunds.data] == [2000]  # made once, in Stripe
    status, body = api(pw, "owner").post(
        f"/tenders/{tender.pk}/refund", {"amount_minor": 3001, "reason": "x"}
    )
    assert status == 400 and body["error"]["code"] == "refund_too_large"
    assert_ledger_consistent(pw.client)
