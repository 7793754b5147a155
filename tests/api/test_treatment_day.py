"""A whole session charted through the API: check-in, numbing, chart entries per area, signing,
addenda, lots and recall, photos up and down — the treatment services' rules, as 4xx."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from PIL import Image

from needlepoint.clinic.outcomes.models import AdverseEvent
from needlepoint.clinic.treatments.models import Chart, Lot
from tests.api.conftest import Api, token_for
from tests.clinic.treatments.helpers import START, Day, image_bytes, treatment_day
from tests.conftest import ClinicWorld


@pytest.fixture(autouse=True)
def _clock(monkeypatch: pytest.MonkeyPatch) -> None:
    from needlepoint import clock

    monkeypatch.setattr(clock, "now", lambda: START)


@pytest.fixture
def day(clinic_a: ClinicWorld) -> Day:
    return treatment_day(clinic_a, check_in=False)


def _entry(day: Day, area: str, **kw: Any) -> dict[str, Any]:
    return {
        "area": area,
        "device_id": day.device.pk,
        "cartridge_lot_id": day.cartridge.pk,
        "product_lot_id": day.product.pk,
        "passes": 3,
        "endpoint": "pinpoint_bleeding",
        "pain_score": 3,
    } | kw


def test_a_full_session_charted_via_the_api(clinic_a: ClinicWorld, day: Day) -> None:
    api = Api(token_for(clinic_a, "practitioner"))
    appt = day.appointment.pk
    status, err = api.post(f"/appointments/{appt}/chart")
    assert status == 409 and err["error"]["code"] == "wrong_state"  # not checked in yet
    status, body = api.post(f"/appointments/{appt}/status", {"status": "checked_in"})
    assert status == 200 and body["status"] == "checked_in", body

    assert api.get(f"/appointments/{appt}/numbing-clock")[1]["state"] == "none"
    status, numbing = api.post(f"/appointments/{appt}/numbing", {"areas": ["cheeks", "forehead"]})
    assert status == 201 and numbing["onset_minutes"] > 0 and numbing["amount_g"], numbing
    status, ticking = api.get(f"/appointments/{appt}/numbing-clock")
    assert status == 200 and ticking["state"] == "numbing" and ticking["numbing_id"] == numbing["id"]
    assert ticking["minutes_to_ready"] == numbing["onset_minutes"]  # applied just now (the clock is fixed)
    status, numbing = api.post(f"/numbing/{numbing['id']}/remove", {})
    assert status == 200 and numbing["removed_at"]

    status, chart = api.post(f"/appointments/{appt}/chart")
    assert status == 201 and chart["entries"] == [] and chart["signed_at"] is None
    cid = chart["id"]
    status, chart = api.post(f"/charts/{cid}/entries", _entry(day, "cheeks"))
    assert status == 201, chart
    cheeks = chart["entries"][0]
    assert cheeks["depth_mm"] == cheeks["recommended_mm"] and cheeks["cap_mm"]
    # A depth other than the engine's recommendation needs a reason (field-level error).
    planned = day.plan.areas.get(area="forehead")
    other = str(
        planned.recommended_mm
        + (Decimal("0.05") if planned.recommended_mm < planned.cap_mm else -Decimal("0.05"))
    )
    status, err = api.post(f"/charts/{cid}/entries", _entry(day, "forehead", depth_mm=other))
    assert status == 400 and "override_reason" in err["error"]["fields"], err
    # Beyond the engine's hard cap: refused whatever the reason.
    status, err = api.post(
        f"/charts/{cid}/entries", _entry(day, "forehead", depth_mm="3.00", override_reason="deep scars")
    )
    assert status == 400, err
    status, chart = api.post(
        f"/charts/{cid}/entries",
        _entry(day, "forehead", depth_mm=other, override_reason="Thin skin", reactions=["urticaria"]),
    )
    assert status == 201 and [e["area"] for e in chart["entries"]] == ["cheeks", "forehead"], chart
    # Take one back and redo it (allowed while unsigned).
    forehead = chart["entries"][1]["id"]
    status, chart = api.delete(f"/charts/{cid}/entries/{forehead}")
    assert status == 200 and len(chart["entries"]) == 1
    status, chart = api.post(
        f"/charts/{cid}/entries",
        _entry(day, "forehead", depth_mm=other, override_reason="Thin skin", reactions=["urticaria"]),
    )
    assert status == 201

    status, err = api.post(f"/charts/{cid}/addenda", {"text": "Too early"})
    assert status == 409  # unsigned: change the entries instead
    status, chart = api.post(f"/charts/{cid}/sign", {})
    assert status == 200 and chart["signed_at"] and chart["signed_by_id"] == day.practitioner.pk
    # The adverse reaction opened an adverse event when the chart was signed.
    assert AdverseEvent.objects.filter(client=day.client, source=f"chart:{cid}").count() == 1
    status, err = api.post(f"/charts/{cid}/entries", _entry(day, "cheeks"))
    assert status == 409 and err["error"]["code"] == "wrong_state"
    status, chart = api.post(f"/charts/{cid}/addenda", {"text": "Client called: hives settled."})
    assert status == 201 and chart["addenda"][0]["text"] == "Client called: hives settled."
    assert Chart.objects.get(pk=cid).entries.count() == 2

    _, history = api.get(f"/clients/{day.client.pk}/charts")
    assert [c["id"] for c in history] == [cid]
    day.cartridge.refresh_from_db()
    assert day.cartridge.quantity_used == 1  # one cartridge per client per session


def test_front_desk_cannot_chart_or_see_charts(clinic_a: ClinicWorld, day: Day) -> None:
    api = Api(token_for(clinic_a, "front_desk"))
    status, err = api.get(f"/appointments/{day.appointment.pk}/chart")
    assert status == 403 and err["error"]["code"] == "insufficient_scope"
    assert api.post(f"/appointments/{day.appointment.pk}/photos")[0] == 403


def test_lots_receive_list_and_owner_only_recall(clinic_a: ClinicWorld, day: Day) -> None:
    practitioner = Api(token_for(clinic_a, "practitioner"))
    status, lot = practitioner.post(
        "/lots",
        {
            "location_id": clinic_a.location.pk,  # type: ignore[attr-defined]
            "kind": "cartridge",
            "product_name": "Nano 12",
            "lot_number": "N-1",
            "expiry": "2028-06-30",
            "quantity": 5,
        },
    )
    assert status == 201 and lot["quantity_received"] == 5, lot
    status, err = practitioner.post(
        "/lots",
        {
            "location_id": clinic_a.location.pk,  # type: ignore[attr-defined]
            "kind": "cartridge",
            "product_name": "Old",
            "lot_number": "O-1",
            "expiry": "2026-01-01",
            "quantity": 5,
        },
    )
    assert status == 400 and "expiry" in err["error"]["fields"]
    _, usable = practitioner.get(
        "/lots", location_id=day.appointment.location_id, kind="cartridge", usable_only=True
    )
    assert {x["lot_number"] for x in usable} == {"C-100", "N-1"}
    status, err = practitioner.post(f"/lots/{lot['id']}/recall", {"reason": "Supplier notice 12"})
    assert status == 403
    status, recall = Api(token_for(clinic_a, "owner")).post(
        f"/lots/{lot['id']}/recall", {"reason": "Notice 12"}
    )
    assert status == 200 and recall["lot"]["recalled_at"] and recall["treated"] == []
    assert Lot.objects.get(pk=lot["id"]).recall_reason == "Notice 12"


def test_photo_upload_and_download(clinic_a: ClinicWorld, day: Day) -> None:
    api = Api(token_for(clinic_a, "practitioner"))
    appt = day.appointment.pk
    form = {
        "area": "cheeks",
        "view": "front",
        "phase": "before",
        "image": ("zelda.jpg", image_bytes((120, 80))),
    }
    status, photo = api.request("POST", f"/appointments/{appt}/photos", form)
    assert status == 201 and (photo["width"], photo["height"]) == (120, 80), photo
    status, data = api.get(f"/photos/{photo['id']}")
    assert status == 200 and Image.open(io.BytesIO(data)).size == (120, 80)  # a real image comes back
    status, thumb = api.get(f"/photos/{photo['id']}", size="thumb")
    assert status == 200 and Image.open(io.BytesIO(thumb)).format == "JPEG"
    _, listed = api.get(f"/appointments/{appt}/photos")
    assert [p["id"] for p in listed] == [photo["id"]]
    # Not an image: refused with the field, nothing stored.
    bad = form | {"image": ("x.jpg", b"not an image at all")}
    status, err = api.request("POST", f"/appointments/{appt}/photos", bad)
    assert status == 400 and "image" in err["error"]["fields"], err
    assert len(api.get(f"/clients/{day.client.pk}/photos")[1]) == 1
    # Downloads need the scope, and are logged.
    from needlepoint.clinic.audit.models import AccessLog

    assert AccessLog.objects.filter(action="view-treatment-photo").count() == 2
    assert Api(token_for(clinic_a, "owner", scopes=["clients:read"])).get(f"/photos/{photo['id']}")[0] == 403
