"""Pagination, filters, one error body for every 4xx, and the docs served without a CDN."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from needlepoint.clinic.booking import services
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.permissions import SystemActor
from tests.api.conftest import Api
from tests.clinic.booking.conftest import NOW, make_booking_world, spec
from tests.conftest import ClinicWorld


def _error_shape(body: Any) -> bool:
    e = body["error"]
    return set(e) == {"code", "message", "fields"} and isinstance(e["fields"], dict) and e["message"]


def test_pages_carry_total_and_next_offset(clinic_a: ClinicWorld, owner_api: Api) -> None:
    for i in range(6):
        Client.objects.create(
            clinic=clinic_a.clinic,  # type: ignore[misc]
            first_name=f"Pat{i}",
            last_name="Paged",
            date_of_birth=date(1990, 1, 1),
        )
    seen: list[int] = []
    offset: int | None = 0
    while offset is not None:
        status, page = owner_api.get("/clients", q="Paged", limit=4, offset=offset)
        assert status == 200 and page["total"] == 6 and page["limit"] == 4
        seen += [c["id"] for c in page["items"]]
        offset = page["next_offset"]
    assert len(seen) == len(set(seen)) == 6
    status, page = owner_api.get("/clients", q="Paged", limit=4, offset=100)
    assert status == 200 and page["items"] == [] and page["next_offset"] is None


def test_appointments_filter_by_time_practitioner_and_status(clinic_a: ClinicWorld, owner_api: Api) -> None:
    bw = make_booking_world(clinic_a, practitioners=2)
    s = spec(bw, sessions=3)
    result, _ = services.search_series(clinic_a.clinic, s, now=NOW)  # type: ignore[arg-type]
    series = services.book_series(
        clinic_a.clinic, s, list(result.options[0].sessions), actor=SystemActor(clinic_a.clinic.pk, "test")
    )  # type: ignore[arg-type]
    appts = list(series.appointments.order_by("start"))
    _, all_ = owner_api.get("/appointments")
    assert [a["id"] for a in all_["items"]] == [a.pk for a in appts]
    _, first = owner_api.get("/appointments", start_before=appts[1].start.isoformat())
    assert [a["id"] for a in first["items"]] == [appts[0].pk]
    _, later = owner_api.get("/appointments", start_from=appts[1].start.isoformat())
    assert [a["id"] for a in later["items"]] == [a.pk for a in appts[1:]]
    who = appts[0].practitioner_id
    _, mine = owner_api.get("/appointments", practitioner_id=who)
    assert {a["practitioner_id"] for a in mine["items"]} == {who}
    _, none = owner_api.get("/appointments", status="cancelled")
    assert none["total"] == 0
    status, err = owner_api.get("/appointments", status="lost")
    assert status == 422 and _error_shape(err) and "status" in err["error"]["fields"]
    status, err = owner_api.get("/appointments", start_from="2027-01-05T10:00:00")  # no zone
    assert status == 422 and "start_from" in err["error"]["fields"]


def test_every_4xx_has_the_same_body(clinic_a: ClinicWorld, owner_api: Api) -> None:
    cases = [
        (Api(None).get("/clients"), 401),
        (Api(None).get("/me"), 401),
        (owner_api.get("/clients/999999"), 404),
        (owner_api.get("/clients", limit=0), 422),
        (owner_api.post("/clients", {"first_name": ""}), 422),
        (
            owner_api.post(
                "/clients", {"first_name": "A\x00", "last_name": "B", "date_of_birth": "1990-01-01"}
            ),
            422,
        ),
        (
            owner_api.post("/clients", {"first_name": "A", "last_name": "B", "date_of_birth": "0001-01-01"}),
            422,
        ),
        (
            owner_api.post(
                "/clients",
                {
                    "first_name": "A",
                    "last_name": "B",
                    "date_of_birth": "1990-01-01",
                    "preferred_location_id": 999999,
                },
            ),
            400,
        ),
        (owner_api.post(f"/clients/{clinic_a.client.pk}/series", {"option": "x"}), 422),  # type: ignore[attr-defined]
    ]
    for (status, body), expected in cases:
        assert status == expected, (expected, body)
        assert _error_shape(body), body
    # Malformed JSON is a 400/422 with the same shape, not a 500.
    response = owner_api.client.post(
        "/api/clients", "{not json", content_type="application/json", headers=owner_api._headers()
    )
    assert response.status_code in (400, 422) and _error_shape(response.json())


def test_docs_and_schema_are_served_from_this_server(client: Any) -> None:
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    scripts = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/api/docs/assets/swagger-ui-bundle.js" in scripts and "cdn" not in html.lower()
    for url in scripts:
        assert url.startswith("/api/docs/assets/"), url  # nothing from another host
        asset = client.get(url)
        assert asset.status_code == 200 and b"".join(asset.streaming_content), url
    assert b"SwaggerUIBundle" in b"".join(
        client.get("/api/docs/assets/swagger-ui-bundle.js").streaming_content
    )
    assert client.get("/api/docs/assets/..%2Fsettings.py").status_code == 404
    settings_json = re.search(r'id="swagger-settings">(.*?)</script>', html, re.S).group(1)  # type: ignore[union-attr]
    assert json.loads(settings_json)["url"] == "/api/openapi.json"
    schema = client.get("/api/openapi.json").json()
    assert schema["openapi"].startswith("3.") and "/api/clients" in schema["paths"]
    assert schema["components"]["securitySchemes"]["TokenAuth"] == {"type": "http", "scheme": "bearer"}


def test_every_operation_needs_a_token_and_says_which_scope() -> None:
    from needlepoint.api.api import api

    paths = api.get_openapi_schema()["paths"]
    for path, methods in paths.items():
        for method, op in methods.items():
            assert op.get("security") == [{"TokenAuth": []}], (method, path)  # nothing public by accident
            # Only who-am-I and the clinic's reference data (not PHI) take any valid token.
            assert "Scope `" in op["description"] or op["tags"] == ["token"] or op["tags"] == ["reference"], (
                method,
                path,
            )
    archive = paths["/api/clients/{client_id}/archive"]["post"]["description"]
    assert "clients:write" in archive and "roles: owner." in archive
