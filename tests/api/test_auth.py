"""Tokens: only a hash is stored; missing/invalid/revoked/expired → 401; scope and role → 403."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from needlepoint import clock
from needlepoint.clinic.accounts.models import ApiToken
from needlepoint.clinic.api_tokens import TokenError, hash_token, issue_token, revoke_token
from tests.api.conftest import Api, token_for
from tests.conftest import ClinicWorld


def _unauthenticated(status: int, body: dict[str, Any]) -> bool:
    return status == 401 and body["error"]["code"] == "unauthenticated"


def test_only_the_hash_is_stored_and_the_token_works(clinic_a: ClinicWorld) -> None:
    secret = token_for(clinic_a, "owner")
    row = ApiToken.objects.get()
    assert secret.startswith("np_") and row.token_hash == hash_token(secret)
    assert secret not in str(list(ApiToken.objects.values_list()))
    status, body = Api(secret).get("/me")
    assert status == 200 and body["role"] == "owner" and body["clinic_id"] == clinic_a.clinic.pk  # type: ignore[attr-defined]
    row.refresh_from_db()
    assert row.last_used_at is not None


def test_missing_malformed_and_unknown_tokens_are_401(clinic_a: ClinicWorld) -> None:
    assert _unauthenticated(*Api(None).get("/clients"))
    assert _unauthenticated(*Api("np_not-a-real-token").get("/clients"))
    api = Api(None)
    response = api.client.get("/api/clients", headers={"Authorization": "Basic Zm9vOmJhcg=="})
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthenticated"


def test_revoked_token_is_401(clinic_a: ClinicWorld) -> None:
    secret = token_for(clinic_a, "owner")
    assert Api(secret).get("/clients")[0] == 200
    revoke_token(ApiToken.objects.get(), now=clock.now())
    assert _unauthenticated(*Api(secret).get("/clients"))


def test_expired_token_is_401(clinic_a: ClinicWorld) -> None:
    secret = token_for(clinic_a, "owner")
    ApiToken.objects.update(expires_at=clock.now() - timedelta(seconds=1))
    assert _unauthenticated(*Api(secret).get("/clients"))


def test_token_of_a_member_who_left_is_401(clinic_a: ClinicWorld) -> None:
    secret = token_for(clinic_a, "owner")
    clinic_a.memberships["owner"].is_active = False  # type: ignore[attr-defined]
    clinic_a.memberships["owner"].save()  # type: ignore[attr-defined]
    assert _unauthenticated(*Api(secret).get("/clients"))


def test_missing_scope_is_403(clinic_a: ClinicWorld) -> None:
    api = Api(token_for(clinic_a, "owner", scopes=["clients:read"]))
    assert api.get("/clients")[0] == 200
    status, body = api.get("/appointments")
    assert status == 403 and body["error"]["code"] == "insufficient_scope"
    assert "appointments:read" in body["error"]["message"]
    status, body = api.post("/clients", {"first_name": "A", "last_name": "B", "date_of_birth": "1990-01-01"})
    assert status == 403


def test_role_limits_a_token_even_with_the_scope(clinic_a: ClinicWorld) -> None:
    # Issued while the member was a practitioner; they are front desk now.
    secret = token_for(clinic_a, "practitioner", scopes=["plans:write", "clients:read", "clients:write"])
    membership = clinic_a.memberships["practitioner"]
    membership.role = "front_desk"  # type: ignore[attr-defined]
    membership.save()  # type: ignore[attr-defined]
    api = Api(secret)
    status, body = api.post("/plans/1/confirm")
    assert status == 403 and body["error"]["code"] == "forbidden"
    # Archiving is owner-only although clients:write is held.
    status, body = api.post(f"/clients/{clinic_a.client.pk}/archive")  # type: ignore[attr-defined]
    assert status == 403
    clinic_a.client.refresh_from_db()  # type: ignore[attr-defined]
    assert not clinic_a.client.is_archived  # type: ignore[attr-defined]


def test_a_role_cannot_be_issued_scopes_beyond_it(clinic_a: ClinicWorld) -> None:
    desk = clinic_a.memberships["front_desk"]
    with pytest.raises(TokenError, match="charts:read"):
        issue_token(desk, name="x", scopes=["charts:read"], now=clock.now())  # type: ignore[arg-type]
    with pytest.raises(TokenError, match="Unknown scope"):
        issue_token(desk, name="x", scopes=["everything"], now=clock.now())  # type: ignore[arg-type]
    with pytest.raises(TokenError, match="1 to 366"):
        issue_token(desk, name="x", scopes=["clients:read"], now=clock.now(), expires_in_days=5000)  # type: ignore[arg-type]


def test_audit_trail_names_the_token_holder(clinic_a: ClinicWorld) -> None:
    from auditlog.models import LogEntry

    api = Api(token_for(clinic_a, "front_desk"))
    status, body = api.post(
        "/clients", {"first_name": "Ann", "last_name": "Api", "date_of_birth": "1980-02-03"}
    )
    assert status == 201
    entry = LogEntry.objects.filter(object_pk=str(body["id"]), content_type__model="client").get()
    assert entry.actor == clinic_a.users["front_desk"]


def test_phi_reads_are_access_logged_with_the_api_path(clinic_a: ClinicWorld) -> None:
    from needlepoint.clinic.audit.models import AccessLog

    api = Api(token_for(clinic_a, "owner"))
    assert api.get(f"/clients/{clinic_a.client.pk}")[0] == 200  # type: ignore[attr-defined]
    log = AccessLog.objects.filter(client=clinic_a.client).latest("pk")  # type: ignore[misc]
    assert log.user == clinic_a.users["owner"] and log.path.startswith("/api/clients/")


def test_clinic_requiring_2fa_refuses_tokens_of_holders_without_an_authenticator(
    clinic_a: ClinicWorld,
) -> None:
    """Issue 21 #11: a token issued before the clinic required 2FA kept working."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    secret = token_for(clinic_a, "front_desk")
    assert Api(secret).get("/clients")[0] == 200
    clinic_a.clinic.require_two_factor = True  # type: ignore[attr-defined]
    clinic_a.clinic.save()  # type: ignore[attr-defined]
    status, body = Api(secret).get("/clients")
    assert status == 403 and body["error"]["code"] == "two_factor_required"
    assert "authenticator" in body["error"]["message"]
    # Enrolling (a confirmed device) brings the token back; an unconfirmed one does not.
    user = clinic_a.users["front_desk"]
    TOTPDevice.objects.create(user=user, name="pending", confirmed=False)
    assert Api(secret).get("/clients")[0] == 403
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    assert Api(secret).get("/clients")[0] == 200
