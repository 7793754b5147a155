"""A client's journey through the API alone: record, intake, plan, series booking, moves,
status and cancellation — through the same services as the web, with the same refusals."""

from __future__ import annotations

from typing import Any
from unittest import mock

from needlepoint.clinic.booking.models import Appointment, AppointmentType, Series
from needlepoint.clinic.intake.models import Intake
from needlepoint.clinic.plans.models import TreatmentPlan
from tests.api.conftest import Api, token_for
from tests.clinic.booking.conftest import NOW, make_booking_world
from tests.conftest import ClinicWorld


def _client_and_intake(api: Api) -> tuple[int, dict[str, Any]]:
    status, client = api.post(
        "/clients",
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "date_of_birth": "1985-12-10",
            "email": "ada@example.com",
        },
    )
    assert status == 201, client
    status, intake = api.post(
        f"/clients/{client['id']}/intakes",
        {
            "fitzpatrick": 2,
            "areas": [{"area": "cheeks", "indication": "acne_scars", "goodman_baron_grade": 3}],
            "conditions": ["herpes_simplex_history"],
        },
    )
    assert status == 201, intake
    return client["id"], intake


def test_intake_is_checked_against_the_protocol_like_the_web_form(owner_api: Api) -> None:
    client_id, _ = _client_and_intake(owner_api)
    status, body = owner_api.post(
        f"/clients/{client_id}/intakes",
        {
            "fitzpatrick": 2,
            "areas": [{"area": "cheeks", "indication": "acne_scars"}],
            "conditions": ["vampirism"],
        },
    )
    assert status == 400 and body["error"]["code"] == "invalid"
    assert "vampirism" in " ".join(body["error"]["fields"]["conditions"])
    assert Intake.objects.filter(client_id=client_id).count() == 1  # nothing saved
    _, versions = owner_api.get(f"/clients/{client_id}/intakes")
    assert [v["version"] for v in versions] == [1]


@mock.patch("needlepoint.clock.now", return_value=NOW)
def test_plan_from_intake_to_confirmed_then_series_booked_from_it(_now: Any, clinic_a: ClinicWorld) -> None:
    make_booking_world(clinic_a)
    api = Api(token_for(clinic_a, "practitioner"))
    client_id, intake = _client_and_intake(api)
    status, plan = api.post(f"/intakes/{intake['id']}/plans", {"device_id": clinic_a.device.pk})  # type: ignore[attr-defined]
    assert status == 201 and plan["status"] == "draft", plan
    open_findings = [f for f in plan["findings"] if f["needs_acknowledgement"] and not f["acknowledged_at"]]
    assert open_findings and plan["problems"]
    # Confirming with an unacknowledged finding is refused with the reasons.
    status, body = api.post(f"/plans/{plan['id']}/confirm")
    assert status == 400 and "acknowledged" in body["error"]["message"]
    for f in open_findings:
        status, plan = api.post(
            f"/plans/{plan['id']}/findings/{f['id']}/acknowledge", {"note": "Antiviral prescribed by GP."}
        )
        assert status == 200, plan
    status, plan = api.post(f"/plans/{plan['id']}/confirm")
    assert status == 200 and plan["status"] == "confirmed", plan
    assert TreatmentPlan.objects.get(pk=plan["id"]).confirmed_by == clinic_a.memberships["practitioner"]

    # Book the plan's series: the plan decides sessions and intervals.
    kind = AppointmentType.objects.get()
    search = {
        "appointment_type_id": kind.pk,
        "first_earliest": "2027-01-05",
        "first_latest": "2027-01-08",
        "plan_id": plan["id"],
    }
    status, found = api.post(f"/clients/{client_id}/series/search", search)
    assert status == 200 and found["found"], found
    option = found["options"][0]
    assert len(option["sessions"]) == plan["sessions"]
    status, series = api.post(f"/clients/{client_id}/series", search | {"option": option["token"]})
    assert status == 201, series
    assert Series.objects.get(pk=series["id"]).plan_id == plan["id"]
    assert [a["start"] for a in series["appointments"]] == [s["start"] for s in option["sessions"]]
    # Booking the same option again: the slots are taken now → 409 conflict, nothing added.
    status, body = api.post(f"/clients/{client_id}/series", search | {"option": option["token"]})
    assert status in (400, 409) and body["error"]["code"] in ("conflict", "booking_refused")
    assert Series.objects.count() == 1


def test_single_booking_move_status_and_cancel(clinic_a: ClinicWorld) -> None:
    bw = make_booking_world(clinic_a)
    api = Api(token_for(clinic_a, "front_desk"))
    client_id = clinic_a.client.pk  # type: ignore[attr-defined]
    body = {"appointment_type_id": bw.kind.pk, "start": "2027-01-05T10:00:00Z"}  # type: ignore[attr-defined]
    with mock.patch("needlepoint.clock.now", return_value=NOW):
        status, appt = api.post(f"/clients/{client_id}/appointments", body)
        assert status == 201, appt
        assert appt["local_start"].startswith("2027-01-05T10:00:00+00:00")
        # Same time again: the client (and every resource) is busy → 409.
        status, err = api.post(f"/clients/{client_id}/appointments", body)
        assert status == 409 and set(err["error"]) == {"code", "message", "fields"}

        status, moved = api.post(
            f"/appointments/{appt['id']}/reschedule", {"new_start": "2027-01-06T11:00:00Z"}
        )
        assert status == 200, moved
        assert moved["appointment"]["start"].startswith("2027-01-06T11:00:00")
        # Check-in needs a signed consent: the service's refusal comes back as a 400 with its message.
        status, err = api.post(f"/appointments/{appt['id']}/status", {"status": "checked_in"})
        assert status == 400 and "consent" in err["error"]["message"].lower()
        # Front desk may cancel but not waive a fee.
        status, err = api.post(f"/appointments/{appt['id']}/cancel", {"reason": "Ill", "waive_fee": True})
        assert status == 403
        status, cancelled = api.post(f"/appointments/{appt['id']}/cancel", {"reason": "Ill"})
    assert status == 200 and cancelled["appointment"]["status"] == "cancelled", cancelled
    assert Appointment.objects.get(pk=appt["id"]).cancellation_reason == "Ill"
    status, err = api.post(f"/appointments/{appt['id']}/cancel", {"reason": "again"})
    assert status == 400 and err["error"]["code"] == "booking_refused"


def test_client_create_update_archive(clinic_a: ClinicWorld) -> None:
    api = Api(token_for(clinic_a, "owner"))
    status, c = api.post(
        "/clients",
        {
            "first_name": "Bo",
            "last_name": "Api",
            "date_of_birth": "1970-01-01",
            "preferred_location_id": clinic_a.location.pk,  # type: ignore[attr-defined]
            "consent_sms": True,
        },
    )
    assert status == 201 and c["consent_updated_at"], c
    status, c2 = api.patch(f"/clients/{c['id']}", {"phone": "+44 20 7946 0000"})
    assert status == 200 and c2["phone"] == "+442079460000" and c2["first_name"] == "Bo"  # E.164
    assert c2["consent_updated_at"] == c["consent_updated_at"]  # consent unchanged: not re-dated
    status, err = api.patch(f"/clients/{c['id']}", {"email": "not an email"})
    assert status == 400 and "email" in err["error"]["fields"]
    status, c3 = api.post(f"/clients/{c['id']}/archive")
    assert status == 200 and c3["is_archived"]
    _, page = api.get("/clients", q="Api")
    assert page["total"] == 0
    _, page = api.get("/clients", q="Api", include_archived=True)
    assert page["total"] == 1


def test_front_desk_reads_that_intakes_and_plans_exist_not_their_clinical_content(
    clinic_a: ClinicWorld,
) -> None:
    """Issue 21: front desk books from a plan (status, areas by name, series windows, price) but
    reads no medical answers, photos, findings, depths or notes; owners read everything."""
    from tests.clinic.journey_helpers import draft, intake_with_photo

    intake = intake_with_photo(clinic_a)
    plan = draft(clinic_a, intake)
    desk, owner = Api(token_for(clinic_a, "front_desk")), Api(token_for(clinic_a, "owner"))
    status, seen = desk.get(f"/intakes/{intake.pk}")
    assert status == 200 and seen["version"] == intake.version and seen["submitted_at"]
    assert all(seen[f] is None for f in ("fitzpatrick", "conditions", "medications", "allergies", "goals"))
    assert seen["photos"] == []
    photo_id = intake.photos.get().pk
    assert desk.get(f"/intake-photos/{photo_id}")[0] == 403
    assert owner.get(f"/intake-photos/{photo_id}")[0] == 200
    assert owner.get(f"/intakes/{intake.pk}")[1]["conditions"] == list(intake.conditions)

    status, seen = desk.get(f"/plans/{plan.pk}")
    assert status == 200 and seen["status"] == "draft" and seen["findings"] == [] and seen["problems"] == []
    assert seen["notes"] is None and seen["engine_status"] is None
    assert [a["area_name"] for a in seen["areas"]] == [a.area_name for a in plan.areas.order_by("position")]
    assert all(a["depth_mm"] is None and a["indication"] is None for a in seen["areas"])
    full = owner.get(f"/plans/{plan.pk}")[1]
    assert full["notes"] == "" and all(a["depth_mm"] is not None for a in full["areas"])
