"""The owner's Stripe page: keys entered once and shown masked, test mode said plainly, the
webhook address to give Stripe; other roles and other clinics cannot reach it."""

from __future__ import annotations

from typing import Any

import pytest

from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.payments.models import PaymentSettings, StripeAccount
from tests.clinic.payments.helpers import assert_ledger_consistent
from tests.conftest import ClinicWorld

pytestmark = pytest.mark.django_db

URL = "/settings/payments/stripe/"
KEYS = {
    "publishable_key": "pk_test_51abcPUBLIC",
    "secret_key": "sk_test_51abcTOPSECRETc0de",
    "webhook_secret": "whsec_HOOKSECRETbeef",
}


def owner(client: Any, world: ClinicWorld) -> Any:
    client.force_login(world.users[Role.OWNER])
    return client


def test_owner_connects_stripe_and_the_secrets_are_never_shown_back(
    client: Any, clinic_a: ClinicWorld
) -> None:
    page = owner(client, clinic_a).get(URL)
    assert page.status_code == 200
    body = page.content.decode()
    assert "paid elsewhere" in body.lower() or "taken elsewhere" in body
    assert f"/stripe/webhook/{clinic_a.clinic.slug}/" in body  # type: ignore[attr-defined]

    saved = client.post(URL, KEYS)
    assert saved.status_code == 302
    account = StripeAccount.objects.get(clinic=clinic_a.clinic)
    assert account.secret_key == KEYS["secret_key"] and account.test_mode
    assert PaymentSettings.objects.get(clinic=clinic_a.clinic).processor == "stripe"
    body = client.get(URL).content.decode()
    assert "Test mode" in body and "sk_test_…c0de" in body and "whsec_…beef" in body
    assert "TOPSECRET" not in body and "HOOKSECRET" not in body

    # Blank secrets keep the stored ones; a live publishable key with a test secret is refused.
    assert client.post(URL, {"publishable_key": "pk_test_51abcOTHER"}).status_code == 302
    assert StripeAccount.objects.get(clinic=clinic_a.clinic).secret_key == KEYS["secret_key"]
    refused = client.post(URL, {**KEYS, "publishable_key": "pk_live_51abc"})
    assert refused.status_code == 400 and "same mode" in refused.content.decode()
    refused = client.post(URL, {**KEYS, "secret_key": "not-a-key"})
    assert refused.status_code == 400 and "sk_test_" in refused.content.decode()

    assert client.post("/settings/payments/stripe/disconnect/").status_code == 302
    assert not StripeAccount.objects.filter(clinic=clinic_a.clinic).exists()
    assert PaymentSettings.objects.get(clinic=clinic_a.clinic).processor == "none"
    assert_ledger_consistent(clinic_a.client)


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.PRACTITIONER])
def test_only_owners_see_or_change_the_keys(client: Any, clinic_a: ClinicWorld, role: Role) -> None:
    client.force_login(clinic_a.users[role])
    assert client.get(URL).status_code == 403
    assert client.post(URL, KEYS).status_code == 403
    assert not StripeAccount.objects.exists()


def test_each_clinic_has_its_own_keys(client: Any, clinic_a: ClinicWorld, clinic_b: ClinicWorld) -> None:
    owner(client, clinic_a).post(URL, KEYS)
    other = owner(type(client)(), clinic_b)
    body = other.get(URL).content.decode()
    assert "sk_test_…c0de" not in body and "pk_test_51abcPUBLIC" not in body
    assert f"/stripe/webhook/{clinic_b.clinic.slug}/" in body  # type: ignore[attr-defined]


def test_the_webhook_refuses_a_clinic_without_stripe(client: Any, clinic_a: ClinicWorld) -> None:
    response = client.post(
        f"/stripe/webhook/{clinic_a.clinic.slug}/",  # type: ignore[attr-defined]
        data="{}",
        content_type="application/json",
        headers={"stripe-signature": "t=1,v1=00"},
    )
    assert response.status_code == 404
    assert client.get(f"/stripe/webhook/{clinic_a.clinic.slug}/").status_code == 405  # type: ignore[attr-defined]


def test_the_webhook_refuses_a_form_upload(client: Any, clinic_a: ClinicWorld) -> None:
    from io import BytesIO

    url = f"/stripe/webhook/{clinic_a.clinic.slug}/"  # type: ignore[attr-defined]
    response = client.post(url, {"file": BytesIO(b"x"), "id": "evt_1"})  # multipart, as a browser sends
    assert response.status_code in (400, 404)
