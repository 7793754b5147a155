"""POST /clients: 409 with the matches' ids unless ?allow_duplicate=true; E.164 phones; the
date-of-birth rule; archive and unarchive through the services (owner tokens)."""

from __future__ import annotations

from typing import Any

from needlepoint.clinic.clients.models import Client
from tests.api.conftest import Api, token_for
from tests.conftest import ClinicWorld


def _body(**kw: Any) -> dict[str, Any]:
    return {"first_name": "Bo", "last_name": "Api", "date_of_birth": "1970-01-01", **kw}


def test_duplicate_is_409_with_ids_until_allowed(clinic_a: ClinicWorld) -> None:
    api = Api(token_for(clinic_a, "front_desk"))
    stored = clinic_a.client.pk  # type: ignore[attr-defined]
    status, err = api.post("/clients", _body(email="ZELDAA@example.com"))
    assert status == 409 and err["error"]["code"] == "duplicate_client"
    assert err["error"]["matches"] == [{"id": stored, "reasons": ["email"]}]
    assert not Client.objects.filter(last_name="Api").exists()
    status, c = api.post(
        "/clients?allow_duplicate=true", _body(email="ZELDAA@example.com", phone="07700 900123")
    )
    assert status == 201 and c["phone"] == "+447700900123"


def test_phone_and_birth_date_are_checked(clinic_a: ClinicWorld) -> None:
    api = Api(token_for(clinic_a, "owner"))
    status, err = api.post("/clients", _body(phone="12345"))
    assert status == 400 and "phone" in err["error"]["fields"]
    status, err = api.post("/clients", _body(date_of_birth="2199-01-01"))
    assert status == 400 and "future" in err["error"]["fields"]["date_of_birth"][0]
    status, c = api.post("/clients", _body())
    status, err = api.patch(f"/clients/{c['id']}", {"date_of_birth": "1901-01-01"})
    assert status == 400 and "date_of_birth" in err["error"]["fields"]


def test_unarchive_is_an_owners(clinic_a: ClinicWorld) -> None:
    pk = clinic_a.client.pk  # type: ignore[attr-defined]
    owner = Api(token_for(clinic_a, "owner"))
    assert owner.post(f"/clients/{pk}/archive")[1]["is_archived"] is True
    status, _ = Api(token_for(clinic_a, "practitioner")).post(f"/clients/{pk}/unarchive")
    assert status == 403
    status, c = owner.post(f"/clients/{pk}/unarchive")
    assert status == 200 and c["is_archived"] is False and c["merged_into_id"] is None


def test_the_schema_documents_the_409(clinic_a: ClinicWorld) -> None:
    status, schema = Api(None).get("/openapi.json")
    assert status == 200
    op = next(v["post"] for k, v in schema["paths"].items() if k.endswith("/clients") and "post" in v)
    assert "matches" in str(op["responses"]["409"]) or "DuplicateOut" in str(op["responses"]["409"])
    assert any(p["name"] == "allow_duplicate" for p in op["parameters"])
