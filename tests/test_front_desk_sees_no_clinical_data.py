"""Front desk never sees clinical content, on any page or API route (issue 21, finding 2).

A world with every kind of record (intake with a photo, a draft plan with a finding, a confirmed
and consented plan, a charted session with photo, scores, an adverse event, a reaction report and
its red-flag staff alert) has a distinctive marker written into every clinical text field that
clinic/sensitivity.py declares, and distinctive depths. Signed in as front desk, the test walks
every staff page front desk may open (from the URL conf) and every GET route of the API (from its
OpenAPI schema) with a front-desk token holding every scope the role may hold; no marker may
appear in any body. A new page or route is walked without being listed here; a new clinical field
is marked as soon as it is classified (tests/clinic/test_sensitivity.py makes sure it is).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import get_resolver, reverse

from needlepoint.api.api import api
from needlepoint.clinic import sensitivity
from needlepoint.clinic.accounts.models import Role
from tests.api.conftest import Api, token_for
from tests.api.worlds import TREATED_AT, journey_objects
from tests.conftest import ClinicWorld
from tests.routes import flat_routes

DEPTHS = ("2.37", "2.41")  # recommended/chosen and cap of every plan area: no other number is like them

# Clinical codes the engine's or the chart's own logic reads back: a marker there would break the
# clinician's pages, not test front desk's (their content is covered by the text fields).
LOGIC_FIELDS = {"plans.PlanFinding.severity", "plans.PlanFinding.applies_to"}


def _marker_for(n: int) -> str:
    return f"CMK{n:03d}QZ"


#: What an empty clinical JSON field holds when it is not empty (the intake's answers).
JSON_SHAPES: dict[str, Any] = {
    "intake.Intake.medications": [{"code": "x", "stopped_on": None}],
    "intake.Intake.skin_state": {"cheeks": [{"code": "x", "since": None}]},
}


def _mark_json(value: Any, marker: str, *, top: bool = True) -> Any:
    """Codes and texts replaced by the marker; an empty top-level list becomes [marker]."""
    if isinstance(value, list):
        marked = [_mark_json(v, marker, top=False) if not isinstance(v, str) else marker for v in value]
        return marked or ([marker] if top else [])
    if isinstance(value, dict):
        return {
            k: marker
            if k in ("code", "reason", "action", "note") and isinstance(v, str)
            else _mark_json(v, marker, top=False)
            for k, v in value.items()
        }
    return value


def mark_clinical_fields(world: ClinicWorld) -> dict[str, str]:
    """Write a marker into every clinical text and JSON field of the world's clinic (bypassing the
    models' immutability, as only a test may). Returns marker → "label.field"."""
    markers: dict[str, str] = {}
    for label, fields in sorted(sensitivity.CLASSIFICATION.items()):
        model = apps.get_model(label)
        rows = model.objects.filter(clinic=world.clinic)
        for name in sorted(fields.clinical):
            field = model._meta.get_field(name)
            if f"{label}.{name}" in LOGIC_FIELDS or field.choices:
                continue
            marker = _marker_for(len(markers))
            if isinstance(field, models.JSONField):
                for pk, value in rows.values_list("pk", name):
                    value = value or JSON_SHAPES.get(f"{label}.{name}", value)
                    model.objects.filter(pk=pk).update(**{name: _mark_json(value, marker)})
            elif isinstance(field, models.CharField | models.TextField) and (field.max_length or 99) >= len(
                marker
            ):
                rows.update(**{name: marker})
            else:
                continue
            markers[marker] = f"{label}.{name}"
    from needlepoint.clinic.plans.models import PlanArea

    PlanArea.objects.filter(clinic=world.clinic).update(
        recommended_mm=Decimal(DEPTHS[0]), depth_mm=Decimal(DEPTHS[0]), cap_mm=Decimal(DEPTHS[1])
    )
    return markers


def _waitlisted(world: ClinicWorld, ids: dict[str, Any]) -> None:
    from datetime import date

    from needlepoint.clinic.booking.models import WaitlistEntry

    WaitlistEntry.objects.create(
        clinic=world.clinic,
        client=world.client,
        appointment_type_id=ids["_appointment_type_id"],
        earliest=date(2027, 2, 1),
        latest=date(2027, 2, 5),
    )


def _red_flag_alert(world: ClinicWorld) -> None:
    """A red-flag reaction report and the staff alert it sends (symptoms and free text)."""
    from needlepoint.clinic.messaging.models import Kind, OutboxMessage, ReactionReport

    ReactionReport.objects.create(
        clinic=world.clinic, client=world.client, symptoms=["fever"], free_text="x", red_flags=["fever"]
    )
    OutboxMessage.objects.create(
        clinic=world.clinic,
        client=world.client,
        kind=Kind.STAFF_ALERT,
        channel="email",
        recipient="owner@example.com",
        subject="RED FLAG REDFLAGSUBJECT",
        body="REDFLAGBODY reported fever",
        due_at=TREATED_AT,
        next_attempt_at=TREATED_AT,
        idempotency_key="alert-1",
    )


@pytest.fixture
def world(clinic_a: ClinicWorld, settings: Any, tmp_path: Any) -> Any:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with mock.patch("needlepoint.clock.now", return_value=TREATED_AT):
        ids = journey_objects(clinic_a)
        _red_flag_alert(clinic_a)
        _waitlisted(clinic_a, ids)
        markers = mark_clinical_fields(clinic_a) | {
            "REDFLAGBODY": "staff alert body",
            "REDFLAGSUBJECT": "subject",
        }
        yield clinic_a, ids, markers


def _leaks(body: bytes | str, markers: dict[str, str]) -> list[str]:
    text = body if isinstance(body, str) else body.decode("utf-8", "replace")
    found = [f"{m} ({where})" for m, where in markers.items() if m in text]
    found += [f"depth {d}" for d in DEPTHS if re.search(rf"(?<![\d.]){re.escape(d)}(?!\d)", text)]
    return found


def _web_objects(world: ClinicWorld, ids: dict[str, Any]) -> dict[str, list[int]]:
    from needlepoint.clinic.booking.models import Appointment, WaitlistEntry
    from needlepoint.clinic.consent.models import ConsentDocument, ConsentSignature
    from needlepoint.clinic.plans.models import TreatmentPlan

    c = world.clinic
    return {
        "client": [ids["client_id"]],
        "appointment": list(Appointment.objects.for_clinic(c).values_list("pk", flat=True)),
        "intake": [ids["intake_id"]],
        "photo": [ids["intake_photo_id"]],
        "plan": list(TreatmentPlan.objects.for_clinic(c).values_list("pk", flat=True)),
        "document": list(ConsentDocument.objects.for_clinic(c).values_list("pk", flat=True)),
        "signature": list(ConsentSignature.objects.for_clinic(c).values_list("pk", flat=True)),
        "waitlist": list(WaitlistEntry.objects.for_clinic(c).values_list("pk", flat=True)),
    }


#: Which object a page's id parameter is, by the route's name (`pk`) or the parameter's name.
def _kind(route: str, param: str) -> str:
    if param == "pk":
        if route.startswith("client-"):
            return "client"
        if route.startswith("waitlist-"):
            return "waitlist"
        return "appointment"  # appointment-*, treatment-*, numbing-*
    return param.removesuffix("_pk")


#: Query strings that change what a page shows.
QUERIES: dict[str, list[str]] = {
    "messaging-log": ["", "?kind=staff_alert"],
    "calendar": ["", "?date=2027-01-12"],
}


def test_front_desk_pages_show_no_clinical_content(world: Any) -> None:
    clinic, ids, markers = world
    objects = _web_objects(clinic, ids)
    desk = Client()
    desk.force_login(clinic.users[Role.FRONT_DESK])
    walked, leaks = [], []
    for route in flat_routes(get_resolver().url_patterns):
        roles = getattr(route.callback, "allowed_roles", None)
        if roles is None or Role.FRONT_DESK not in roles:
            continue
        choices = [objects[_kind(route.name, p)] for p in route.params]
        assert all(choices), f"{route.name}: no object for {route.params} (add one to the world)"
        for pks in _product(choices):
            base = reverse(route.name, kwargs=dict(zip(route.params, pks, strict=True)))
            for query in QUERIES.get(route.name, [""]):
                for size in ("", "?size=thumb") if "photo" in route.name else ("",):
                    response = desk.get(base + (query or size))
                    assert response.status_code < 500, (route.name, response.status_code)
                    body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
                    walked.append((route.name, response.status_code))
                    leaks += [f"{base}{query}: {x}" for x in _leaks(body, markers)]
    assert not leaks, "\n".join(leaks)
    assert len({name for name, status in walked if status == 200}) >= 15, walked


def _product(choices: list[list[int]]) -> list[tuple[int, ...]]:
    out: list[tuple[int, ...]] = [()]
    for options in choices:
        out = [(*o, pk) for o in out for pk in options]
    return out


def _api_gets() -> list[str]:
    return sorted(path for path, ops in api.get_openapi_schema()["paths"].items() if "get" in ops)


def test_front_desk_api_answers_carry_no_clinical_content(world: Any) -> None:
    clinic, ids, markers = world
    desk = Api(token_for(clinic, "front_desk"))
    leaks, answered = [], []
    for path in _api_gets():
        if path.endswith(("/docs", "/openapi.json")) or "{name}" in path:
            continue
        url = re.sub(r"{(\w+)}", lambda m: str(ids[m.group(1)]), path)
        for params in ({}, {"kind": "staff_alert"}) if path == "/api/messages" else ({},):
            status, body = desk.get(url, **params)
            assert status < 500, (path, status)
            answered.append((path, status))
            leaks += [
                f"{path} {params}: {x}"
                for x in _leaks(str(body) if not isinstance(body, bytes) else body, markers)
            ]
    assert not leaks, "\n".join(leaks)
    assert {p for p, s in answered if s == 200} >= {
        "/api/intakes/{intake_id}",
        "/api/plans/{plan_id}",
        "/api/messages",
        "/api/clients/{client_id}/intakes",
    }


def test_the_markers_are_there_for_clinical_staff(world: Any) -> None:
    """So that the walks above mean something: an owner sees what front desk does not."""
    clinic, ids, markers = world
    owner = Client()
    owner.force_login(clinic.users[Role.OWNER])
    page = owner.get(reverse("intake-detail", kwargs={"intake_pk": ids["intake_id"]}))
    assert len(_leaks(page.content, markers)) >= 5
    plan_page = owner.get(reverse("plan-detail", kwargs={"plan_pk": ids["plan_id"]}))
    assert "depth 2.37" in _leaks(plan_page.content, markers)
    status, alerts = Api(token_for(clinic, "owner")).get("/messages", kind="staff_alert")
    assert status == 200 and "REDFLAGBODY" in str(alerts)
