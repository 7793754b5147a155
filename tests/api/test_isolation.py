"""Every API route with an id: another clinic's id is 404 (never 200, 400 or 403), for every
method, with a body that would otherwise be valid, and nothing changes. The routes are read
from the API itself, so a route with an id parameter the builders do not know fails the census."""

from __future__ import annotations

import re
from typing import Any
from unittest import mock

import pytest

from needlepoint.api.api import api
from tests.api.conftest import Api, token_for
from tests.api.worlds import TREATED_AT, journey_objects
from tests.clinic.treatments.helpers import image_bytes
from tests.conftest import ClinicWorld


def id_routes() -> list[tuple[str, str]]:
    out = []
    for path, methods in api.get_openapi_schema()["paths"].items():
        if "{" in path:
            out += [(method.upper(), path) for method in methods]
    return sorted(out)


def bodies(own: dict[str, Any]) -> dict[str, Any]:
    """A body each write would accept if the path's ids were the caller's own."""
    series = {
        "appointment_type_id": own["_appointment_type_id"],
        "first_earliest": "2027-01-05",
        "first_latest": "2027-01-08",
        "sessions": 1,
    }
    return {
        "PATCH /api/clients/{client_id}": {"first_name": "Hacked"},
        "POST /api/clients/{client_id}/intakes": {
            "fitzpatrick": 2,
            "areas": [{"area": "cheeks", "indication": "acne_scars", "goodman_baron_grade": 3}],
        },
        "POST /api/intakes/{intake_id}/plans": {"device_id": own["_device_id"]},
        "PATCH /api/plans/{plan_id}": {"notes": "Hacked"},
        "POST /api/plans/{plan_id}/findings/{finding_id}/acknowledge": {"note": "Hacked"},
        "POST /api/plans/{plan_id}/cancel": {"reason": "Hacked"},
        "POST /api/appointments/{appointment_id}/cancel": {"reason": "Hacked"},
        "POST /api/appointments/{appointment_id}/reschedule": {"new_start": "2027-01-06T10:00:00Z"},
        "POST /api/appointments/{appointment_id}/status": {"status": "completed"},
        "POST /api/clients/{client_id}/series/search": series,
        "POST /api/clients/{client_id}/series": series | {"option": "x"},
        "POST /api/clients/{client_id}/appointments": {
            "appointment_type_id": own["_appointment_type_id"],
            "start": "2027-01-05T10:00:00Z",
        },
        "POST /api/appointments/{appointment_id}/numbing": {"areas": ["cheeks"]},
        "POST /api/lots/{lot_id}/recall": {"reason": "Hacked"},
        "POST /api/charts/{chart_id}/entries": {
            "area": "forehead",
            "device_id": own["_device_id"],
            "cartridge_lot_id": own["lot_id"],
            "passes": 2,
            "endpoint": "erythema",
            "pain_score": 2,
        },
        "POST /api/charts/{chart_id}/addenda": {"text": "Hacked"},
        "PATCH /api/adverse-events/{event_id}": {"severity": "severe"},
        "POST /api/adverse-events/{event_id}/follow-ups": {"title": "Hacked"},
        "POST /api/adverse-events/{event_id}/resolve": {"resolution": "Hacked"},
        "POST /api/appointments/{appointment_id}/outcome-scores": {
            "scale": "gais",
            "value": 1,
            "area": "cheeks",
        },
        "POST /api/reviews/{review_id}/reject": {"reason": "Hacked"},
        "POST /api/clients/{client_id}/payments": {"method": "cash", "amount_minor": 100},
        "POST /api/tenders/{tender_id}/refund": {"amount_minor": 100, "reason": "Hacked"},
        "POST /api/appointments/{appointment_id}/checkout": {
            "lines": [{"kind": "treatment", "description": "Hacked", "unit_price_minor": 100}],
            "tenders": [{"method": "cash", "amount_minor": 100}],
        },
        "POST /api/appointments/{appointment_id}/photos": {
            "area": "cheeks",
            "view": "front",
            "phase": "after",
            "image": ("x.jpg", image_bytes()),
        },
    }


@pytest.fixture
def worlds(clinic_a: ClinicWorld, clinic_b: ClinicWorld) -> Any:
    with mock.patch("needlepoint.clock.now", return_value=TREATED_AT):
        yield journey_objects(clinic_a), journey_objects(clinic_b)


def _url(path: str, ids: dict[str, Any]) -> str:
    return re.sub(r"{(\w+)}", lambda m: str(ids[m.group(1)]), path)


def test_other_clinics_ids_are_404_on_every_route(
    clinic_a: ClinicWorld, clinic_b: ClinicWorld, worlds: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    from needlepoint.clinic.booking.models import Appointment
    from needlepoint.clinic.outcomes.models import AdverseEvent, FollowUpTask, OutcomeScore
    from needlepoint.clinic.plans.models import TreatmentPlan
    from needlepoint.clinic.reviews.models import Review
    from needlepoint.clinic.treatments.models import Chart, Lot

    own, theirs = worlds
    # Every id parameter of every route has an object of that kind (else: add it to worlds.py).
    params = {p for _, path in id_routes() for p in re.findall(r"{(\w+)}", path)}
    assert params <= set(theirs), params - set(theirs)
    appt_before = Appointment.objects.get(pk=theirs["appointment_id"]).status
    api_a = Api(token_for(clinic_a, "owner"))
    known = bodies(own)
    for method, path in id_routes():
        status, body = api_a.request(method, _url(path, theirs), known.get(f"{method} {path}"))
        assert status == 404, (method, path, status, body)
        assert body["error"]["code"] == "not_found", (method, path)
    clinic_b.client.refresh_from_db()  # type: ignore[attr-defined]
    assert clinic_b.client.first_name == "ZeldaB" and not clinic_b.client.is_archived  # type: ignore[attr-defined]
    assert Appointment.objects.get(pk=theirs["appointment_id"]).status == appt_before
    plan = TreatmentPlan.objects.get(pk=theirs["plan_id"])
    assert plan.status == "draft" and plan.notes == ""
    chart = Chart.objects.get(pk=theirs["chart_id"])
    assert chart.signed_at is None and chart.entries.count() == 1 and not chart.addenda.exists()
    assert Lot.objects.get(pk=theirs["lot_id"]).recalled_at is None
    event = AdverseEvent.objects.get(pk=theirs["event_id"])
    assert event.status == "open" and event.severity == "moderate" and event.tasks.count() == 1
    assert FollowUpTask.objects.get(pk=theirs["task_id"]).done_at is None
    assert OutcomeScore.objects.get(pk=theirs["score_id"]).value == 2
    assert Review.objects.get(pk=theirs["review_id"]).status == "pending"


def test_own_ids_are_reachable_so_the_404s_mean_something(
    clinic_a: ClinicWorld, worlds: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    own, _ = worlds
    api_a = Api(token_for(clinic_a, "owner"))
    gets = [path for method, path in id_routes() if method == "GET"]
    assert len(gets) >= 10
    for path in gets:
        status, body = api_a.get(_url(path, own))
        assert status == 200, (path, body)


def test_lists_show_only_own_clinic(
    clinic_a: ClinicWorld, clinic_b: ClinicWorld, worlds: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    api_a = Api(token_for(clinic_a, "owner"))
    lists = ("/clients", "/appointments", "/messages", "/locations", "/devices", "/staff", "/lots")
    for path in (*lists, "/adverse-events", "/reviews?status=any"):
        status, body = api_a.get(path)
        assert status == 200, path
        text = str(body)
        assert "ZeldaB" not in text and "B High Street" not in text and "Pen B" not in text, path
    assert "ZeldaA" in str(api_a.get("/clients", q="Zelda")[1])
    _, page = api_a.get("/appointments")
    theirs = worlds[1]["appointment_id"]
    assert page["total"] == 2 and theirs not in [a["id"] for a in page["items"]]
