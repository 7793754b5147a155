"""The staff page where people create and revoke their own API tokens."""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse

from needlepoint.clinic.accounts.models import ApiToken
from tests.api.conftest import Api, token_for
from tests.conftest import ClinicWorld


def test_create_shows_the_secret_once_and_it_works(client: Any, clinic_a: ClinicWorld) -> None:
    client.force_login(clinic_a.users["front_desk"])
    page = client.get(reverse("api-tokens")).content.decode()
    assert "clients:read" in page and "charts:read" not in page  # only scopes the role may hold
    response = client.post(
        reverse("api-tokens"),
        {
            "action": "create",
            "name": "Booking kiosk",
            "scopes": ["appointments:read"],
            "expires_in_days": "30",
        },
    )
    assert response.status_code == 200
    secret = re.search(r"np_[A-Za-z0-9_-]+", response.content.decode()).group(0)  # type: ignore[union-attr]
    assert Api(secret).get("/appointments")[0] == 200
    assert secret not in client.get(reverse("api-tokens")).content.decode()  # never shown again
    row = ApiToken.objects.get()
    assert row.membership == clinic_a.memberships["front_desk"] and row.scopes == ["appointments:read"]


def test_beyond_role_scopes_are_refused(client: Any, clinic_a: ClinicWorld) -> None:
    client.force_login(clinic_a.users["front_desk"])
    response = client.post(
        reverse("api-tokens"), {"action": "create", "name": "x", "scopes": ["charts:write"]}
    )
    assert response.status_code == 400 and "charts:write" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoke_own_token_only(client: Any, clinic_a: ClinicWorld, clinic_b: ClinicWorld) -> None:
    mine = token_for(clinic_a, "practitioner", scopes=["clients:read"])
    other = token_for(clinic_a, "owner", scopes=["clients:read"])
    theirs = token_for(clinic_b, "practitioner", scopes=["clients:read"])
    client.force_login(clinic_a.users["practitioner"])
    for secret in (other, theirs):
        pk = ApiToken.objects.get(prefix=secret[:10]).pk
        assert client.post(reverse("api-tokens"), {"action": "revoke", "token": pk}).status_code == 404
        assert Api(secret).get("/clients")[0] == 200
    pk = ApiToken.objects.get(prefix=mine[:10]).pk
    response = client.post(reverse("api-tokens"), {"action": "revoke", "token": pk})
    assert response.status_code == 302
    assert Api(mine).get("/clients")[0] == 401
    assert "revoked" in client.get(reverse("api-tokens")).content.decode()


def test_anonymous_is_sent_to_sign_in(client: Any) -> None:
    response = client.get(reverse("api-tokens"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
