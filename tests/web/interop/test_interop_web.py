"""Owner pages for webhooks and CSV exports: roles, validation messages, other clinics' ids."""

from __future__ import annotations

from typing import Any

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from needlepoint.clinic.audit.models import AccessLog
from needlepoint.clinic.webhooks import services
from needlepoint.clinic.webhooks.events import emit
from needlepoint.clinic.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.conftest import ClinicWorld
from tests.web.test_isolation import EXTRA_ROUTES

EXTRA_ROUTES.update(
    {
        "interop-fhir": "client",
        "webhook-detail": "endpoint",
        "webhook-edit": "endpoint",
        "webhook-rotate": "endpoint",
        "webhook-test": "endpoint",
        "webhook-retry": "delivery",
    }
)


def _objects(typed: ClinicWorld) -> dict[str, Any]:
    world: Any = typed
    ep = services.save_endpoint(
        world.clinic, url="https://hooks.example.com/x", events=["appointment.booked"]
    )
    emit(world.clinic, "appointment.booked", {"n": 1})
    delivery = WebhookDelivery.objects.get(endpoint=ep)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed")
    return {"client": world.client, "endpoint": ep, "delivery": delivery}


def _kwargs(route: str, pk: int) -> dict[str, int]:
    return {"client_pk": pk} if route == "interop-fhir" else {"pk": pk}


@pytest.mark.parametrize(
    "route",
    ["interop-fhir", "webhook-detail", "webhook-edit", "webhook-rotate", "webhook-test", "webhook-retry"],
)
def test_other_clinics_ids_are_not_found(
    client: Any, clinic_a: ClinicWorld, clinic_b: ClinicWorld, route: str
) -> None:
    theirs = _objects(clinic_b)[EXTRA_ROUTES[route]]
    client.force_login(clinic_a.users["owner"])
    url = reverse(route, kwargs=_kwargs(route, theirs.pk))
    assert client.get(url).status_code in (404, 405)
    assert (
        client.post(url, {"url": "https://x.example.com", "events": ["appointment.booked"]}).status_code
        == 404
    )
    assert WebhookEndpoint.objects.get(pk=_objects_endpoint(clinic_b).pk).url == "https://hooks.example.com/x"


def _objects_endpoint(world: ClinicWorld) -> WebhookEndpoint:
    return WebhookEndpoint.objects.get(clinic=world.clinic)  # type: ignore[misc]


@pytest.mark.parametrize("role", ["practitioner", "front_desk"])
def test_webhooks_and_exports_are_for_owners(client: Any, clinic_a: ClinicWorld, role: str) -> None:
    mine = _objects(clinic_a)
    client.force_login(clinic_a.users[role])
    for url in (
        reverse("webhook-list"),
        reverse("webhook-new"),
        reverse("webhook-detail", kwargs={"pk": mine["endpoint"].pk}),
        reverse("interop-exports"),
        reverse("interop-csv", kwargs={"kind": "clients"}),
    ):
        assert client.get(url).status_code == 403, url


def test_owner_creates_tests_rotates_and_reads_the_log(
    client: Any, clinic_a: ClinicWorld, settings: Any
) -> None:
    settings.NEEDLEPOINT_WEBHOOKS_ALLOW_PRIVATE = False
    client.force_login(clinic_a.users["owner"])
    refused = client.post(
        reverse("webhook-new"), {"url": "http://10.0.0.5/hook", "events": ["appointment.booked"]}
    )
    assert refused.status_code == 400 and b"private network" in refused.content
    assert (
        client.post(reverse("webhook-new"), {"url": "https://h.example.com/x"}).status_code == 400
    )  # no events
    assert not WebhookEndpoint.objects.exists()
    response = client.post(
        reverse("webhook-new"),
        {
            "url": "https://h.example.com/x",
            "events": ["appointment.booked", "review.published"],
            "active": "on",
        },
    )
    ep = WebhookEndpoint.objects.get()
    assert response.status_code == 302 and ep.events == ["appointment.booked", "review.published"]
    page = client.get(reverse("webhook-detail", kwargs={"pk": ep.pk}))
    assert ep.secret.encode() in page.content
    client.post(reverse("webhook-test", kwargs={"pk": ep.pk}))
    assert WebhookDelivery.objects.get().event == "webhook.test"
    old = ep.secret
    client.post(reverse("webhook-rotate", kwargs={"pk": ep.pk}))
    ep.refresh_from_db()
    assert ep.secret != old and ep.previous_secret == old
    trail = " ".join(str(e.changes) for e in LogEntry.objects.all())
    assert "h.example.com" in trail and old not in trail and ep.secret not in trail  # secrets stay out
    log = client.get(reverse("webhook-detail", kwargs={"pk": ep.pk}))
    assert b"webhook.test" in log.content
    edit = client.post(
        reverse("webhook-edit", kwargs={"pk": ep.pk}), {"url": ep.url, "events": ["review.published"]}
    )
    ep.refresh_from_db()
    assert edit.status_code == 302 and ep.events == ["review.published"] and not ep.active
    assert client.get(reverse("webhook-list")).status_code == 200


def test_csv_download_is_access_logged(client: Any, clinic_a: ClinicWorld) -> None:
    client.force_login(clinic_a.users["owner"])
    before = AccessLog.objects.count()
    response = client.get(reverse("interop-csv", kwargs={"kind": "clients"}))
    body = b"".join(response.streaming_content)
    assert response.status_code == 200 and b"ZeldaA" in body and b"ZeldaB" not in body
    assert AccessLog.objects.count() == before + 1
    assert client.get("/interop/exports/passwords.csv").status_code == 404
    for kind in ("appointments", "charts"):
        assert client.get(reverse("interop-csv", kwargs={"kind": kind})).status_code == 200


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://example.com:99999/", b"port must be a number from 1 to 65535"),
        ("http://[::7f00:1]/hook", b"private network"),
        ("http://[64:ff9b::a00:1]/hook", b"private network"),
        ("http://2130706433/hook", b"private network"),
    ],
)
def test_the_form_refuses_a_bad_address_with_a_message(
    client: Any, clinic_a: ClinicWorld, settings: Any, url: str, message: bytes
) -> None:
    settings.NEEDLEPOINT_WEBHOOKS_ALLOW_PRIVATE = False
    client.force_login(clinic_a.users["owner"])
    response = client.post(reverse("webhook-new"), {"url": url, "events": ["appointment.booked"]})
    assert response.status_code == 400 and message in response.content
    assert not WebhookEndpoint.objects.exists()
