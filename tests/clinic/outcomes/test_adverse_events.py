"""Adverse events: opening (from staff, chart or client reports), follow-up until resolved, the
filtered list and its CSV export, the webhook, and who may see them."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from needlepoint.clinic.errors import NotFound
from needlepoint.clinic.outcomes.models import AdverseEvent, EventStatus
from needlepoint.clinic.outcomes.services import (
    OutcomeError,
    add_follow_up,
    complete_follow_up,
    open_adverse_event,
    resolve_adverse_event,
    type_for_symptoms,
)
from needlepoint.clinic.treatments.models import Lot
from needlepoint.clinic.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.clinic.outcomes.helpers import day, session
from tests.conftest import ClinicWorld


def _p(world: ClinicWorld) -> Any:
    """The practitioner, who opens and manages adverse events."""
    return world.memberships["practitioner"]


def test_open_links_session_device_and_lot_and_emits_the_webhook(clinic_a: ClinicWorld) -> None:
    WebhookEndpoint.objects.create(
        clinic=clinic_a.clinic, url="https://example.com/hook", events=["adverse_event.opened"]
    )
    appt = session(clinic_a, day(3))

    lot = Lot.objects.create(
        clinic=clinic_a.clinic, location=clinic_a.location, kind="cartridge", product_name="Cart 12",
        lot_number="LOT-42", expiry=date(2027, 1, 1), quantity_received=10, received_at=day(0),
    )  # fmt: skip
    event = open_adverse_event(clinic_a.clinic, actor=_p(clinic_a), client=clinic_a.client,  # type: ignore[arg-type]
        source="chart:7", type="bruising",
        appointment=appt, area="cheeks", lot=lot, onset=date(2026, 1, 4),
    )  # fmt: skip
    assert (event.origin, event.device_id, event.lot_id) == ("chart", clinic_a.device.pk, lot.pk)  # type: ignore[attr-defined]
    assert event.lot_code == "Cart 12 LOT-42" and list(lot.adverse_events.all()) == [event]
    delivery = WebhookDelivery.objects.get()
    assert delivery.event == "adverse_event.opened"
    assert delivery.payload["data"]["adverse_event_id"] == event.pk
    assert "Zelda" not in str(delivery.payload)  # identifiers only


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"type": "sunburn"}, "Unknown event type"),
        ({"type": "bruising", "severity": "awful"}, "Unknown severity"),
        ({"type": "bruising", "onset": date(2999, 1, 1)}, "future"),
    ],
)
def test_open_refuses_bad_values(clinic_a: ClinicWorld, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(OutcomeError, match=message):
        open_adverse_event(
            clinic_a.clinic, actor=_p(clinic_a), client=clinic_a.client, source="staff", **kwargs
        )  # type: ignore[arg-type]
    assert not AdverseEvent.objects.exists()


def test_open_refuses_another_clinics_session(clinic_a: ClinicWorld, clinic_b: ClinicWorld) -> None:
    other = session(clinic_b, day(1))
    with pytest.raises(NotFound):  # as if it did not exist: nothing about it leaks
        open_adverse_event(
            clinic_a.clinic,
            actor=_p(clinic_a),
            client=clinic_a.client,
            source="staff",
            type="infection",
            appointment=other,  # type: ignore[arg-type]
        )


def test_symptoms_map_to_the_most_specific_type() -> None:
    assert type_for_symptoms(["severe_pain", "cold_sore"]) == "herpes_reactivation"
    assert type_for_symptoms(["cold_sore", "pus"]) == "infection"
    assert type_for_symptoms(["severe_pain"]) == "other"


def test_event_stays_open_until_its_tasks_are_done(clinic_a: ClinicWorld) -> None:
    event = open_adverse_event(
        clinic_a.clinic, actor=_p(clinic_a), client=clinic_a.client, source="staff", type="infection"
    )  # type: ignore[arg-type]
    task = add_follow_up(event, actor=_p(clinic_a), title="Review in 48 h", due_on=date(2026, 1, 6))
    with pytest.raises(OutcomeError, match="1 follow-up task"):
        resolve_adverse_event(event, actor=_p(clinic_a), resolution="Healed")
    complete_follow_up(task, actor=_p(clinic_a))
    resolve_adverse_event(event, actor=_p(clinic_a), resolution="Healed after antibiotics")
    event.refresh_from_db()
    assert event.status == EventStatus.CLOSED and event.resolved_on is not None
    with pytest.raises(OutcomeError, match="resolved"):
        add_follow_up(event, actor=_p(clinic_a), title="Too late")


def _login(client: Any, world: ClinicWorld, role: str) -> None:
    client.force_login(world.users[role])


def test_staff_records_an_event_in_the_web_ui_and_follows_it_up(client: Any, clinic_a: ClinicWorld) -> None:
    _login(client, clinic_a, "practitioner")
    appt = session(clinic_a, day(2))
    url = reverse("adverse-event-create", args=[clinic_a.client.pk])  # type: ignore[attr-defined]
    bad = client.post(url, {"type": "nonsense", "severity": "mild"})
    assert bad.status_code == 400 and not AdverseEvent.objects.exists()
    response = client.post(
        url,
        {"type": "pigment_change", "severity": "mild", "appointment": appt.pk, "area": "cheeks",
         "lot_code": "L-9", "description": "Darker patch", "onset": "2026-01-05"},
    )  # fmt: skip
    event = AdverseEvent.objects.get()
    assert response.status_code == 302 and event.lot_code == "L-9" and event.origin == "staff"
    detail = reverse("adverse-event-detail", args=[event.pk])
    client.post(detail, {"action": "add_task", "title": "Photo review in 4 weeks"})
    refused = client.post(detail, {"action": "resolve", "resolution": "Faded"})
    assert refused.status_code == 400 and "still open" in refused.content.decode()
    client.post(reverse("adverse-event-task-done", args=[event.tasks.get().pk]))
    client.post(detail, {"action": "resolve", "resolution": "Faded"})
    event.refresh_from_db()
    assert event.status == "closed"


def test_list_filters_and_csv_export(client: Any, clinic_a: ClinicWorld, clinic_b: ClinicWorld) -> None:
    a: Any = clinic_a.client
    open_adverse_event(
        clinic_a.clinic, actor=_p(clinic_a), client=a, source="staff", type="bruising", severity="mild"
    )
    open_adverse_event(clinic_a.clinic, actor=_p(clinic_a), client=a, source="reaction_report:1",
                       type="infection", severity="severe",
                       description='He said "hot", then; left')  # fmt: skip
    open_adverse_event(
        clinic_b.clinic, actor=_p(clinic_b), client=clinic_b.client, source="staff", type="infection"
    )  # type: ignore[arg-type]
    _login(client, clinic_a, "owner")
    page = client.get(reverse("adverse-events") + "?type=infection").content.decode()
    assert "Infection" in page and "Bruising</td>" not in page and "ZeldaB" not in page
    export = client.get(reverse("adverse-events-export") + "?severity=severe")
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert [(r["type"], r["origin"], r["description"]) for r in rows] == [
        ("infection", "client_report", 'He said "hot", then; left')
    ]
    assert client.get(reverse("adverse-events-export") + "?since=not-a-date").status_code == 400


def test_front_desk_cannot_see_adverse_events(client: Any, clinic_a: ClinicWorld) -> None:
    _login(client, clinic_a, "front_desk")
    assert client.get(reverse("adverse-events")).status_code == 403
    assert client.get(reverse("adverse-events-export")).status_code == 403
    body = client.get(reverse("client-detail", args=[clinic_a.client.pk])).content.decode()  # type: ignore[attr-defined]
    assert 'id="outcomes"' not in body
