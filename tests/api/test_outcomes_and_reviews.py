"""Adverse events, outcome scores and review moderation through the API."""

from __future__ import annotations

from typing import Any

import pytest

from needlepoint.clinic.reviews.models import Review
from tests.api.conftest import Api, token_for
from tests.api.worlds import TREATED_AT, journey_objects
from tests.conftest import ClinicWorld


@pytest.fixture
def objs(clinic_a: ClinicWorld, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    from needlepoint import clock

    monkeypatch.setattr(clock, "now", lambda: TREATED_AT)
    return journey_objects(clinic_a)


def test_adverse_event_lifecycle(clinic_a: ClinicWorld, objs: dict[str, Any]) -> None:
    api = Api(token_for(clinic_a, "practitioner"))
    status, event = api.post(
        "/adverse-events",
        {
            "client_id": objs["client_id"],
            "appointment_id": objs["appointment_id"],
            "type": "infection",
            "severity": "severe",
            "onset": "2027-01-11",
            "description": "Pustules on the left cheek.",
        },
    )
    assert status == 201 and event["status"] == "open" and event["origin"] == "staff", event
    status, err = api.post("/adverse-events", {"client_id": objs["client_id"], "type": "werewolf"})
    assert status == 422 and "type" in err["error"]["fields"]
    status, err = api.post(
        "/adverse-events", {"client_id": objs["client_id"], "type": "other", "onset": "2027-02-01"}
    )
    assert status == 400 and "future" in err["error"]["message"]
    eid = event["id"]
    status, event = api.post(f"/adverse-events/{eid}/follow-ups", {"title": "Review in clinic"})
    assert status == 201 and len(event["tasks"]) == 1
    status, err = api.post(f"/adverse-events/{eid}/resolve", {"resolution": "Cleared with antibiotics"})
    assert status == 400 and "task" in err["error"]["message"]  # a task is still open
    status, _ = api.post(f"/follow-ups/{event['tasks'][0]['id']}/complete")
    assert status == 200
    status, event = api.post(f"/adverse-events/{eid}/resolve", {"resolution": "Cleared with antibiotics"})
    assert status == 200 and event["status"] == "closed"
    _, page = api.get("/adverse-events", status="closed")
    assert [e["id"] for e in page["items"]] == [eid]
    status, event = api.patch(f"/adverse-events/{eid}", {"severity": "moderate"})
    assert status == 200 and event["severity"] == "moderate"
    # Front desk: no adverse-event scope for the role.
    assert Api(token_for(clinic_a, "front_desk")).get("/adverse-events")[0] == 403


def test_outcome_scores_record_replace_delete(clinic_a: ClinicWorld, objs: dict[str, Any]) -> None:
    api = Api(token_for(clinic_a, "practitioner"))
    appt = objs["appointment_id"]
    status, score = api.post(
        f"/appointments/{appt}/outcome-scores", {"scale": "gais", "value": 1, "area": "cheeks"}
    )
    assert status == 201 and score["value"] == 1, score
    status, err = api.post(
        f"/appointments/{appt}/outcome-scores", {"scale": "gais", "value": 9, "area": "cheeks"}
    )
    assert status == 400, err
    status, err = api.post(f"/appointments/{appt}/outcome-scores", {"scale": "shoe_size", "value": 9})
    assert status == 400 and "Unknown scale" in err["error"]["message"]
    _, scores = api.get(f"/clients/{objs['client_id']}/outcome-scores")
    assert [(s["scale"], s["area"], s["value"]) for s in scores] == [("gais", "cheeks", 1)]  # replaced
    status, remaining = api.delete(f"/outcome-scores/{score['id']}")
    assert status == 200 and remaining == []


def test_review_moderation_is_owner_only(clinic_a: ClinicWorld, objs: dict[str, Any]) -> None:
    rid = objs["review_id"]
    practitioner = Api(token_for(clinic_a, "practitioner"))
    _, queue = practitioner.get("/reviews")
    assert [r["id"] for r in queue["items"]] == [rid]
    assert practitioner.post(f"/reviews/{rid}/publish")[0] == 403
    owner = Api(token_for(clinic_a, "owner"))
    status, err = owner.post(f"/reviews/{rid}/reject", {"reason": " "})
    assert status == 400
    status, review = owner.post(f"/reviews/{rid}/publish")
    assert status == 200 and review["status"] == "published" and review["published_at"]
    status, err = owner.post(f"/reviews/{rid}/publish")
    assert status == 400 and err["error"]["code"] == "invalid"
    assert Review.objects.get(pk=rid).text == "Lovely results."
    _, published = owner.get("/reviews", status="published")
    assert published["total"] == 1
