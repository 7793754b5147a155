"""Reaction reports from the check-in link: red flags open an adverse event and alert staff."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signing import TimestampSigner
from django.urls import reverse
from PIL import Image

from needlepoint.clinic.audit.models import AccessLog
from needlepoint.clinic.messaging import services
from needlepoint.clinic.messaging.models import Kind, OutboxMessage, ReactionReport
from needlepoint.clinic.outcomes.models import AdverseEvent, EventStatus
from tests.conftest import ClinicWorld


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "PNG")
    return buf.getvalue()


def _url(world: ClinicWorld) -> str:
    token = services.checkin_token(world.client.pk, None)
    return reverse("portal-reaction", kwargs={"slug": world.clinic.slug}) + f"?t={token}"


def test_checkin_link_opens_the_form_without_signing_in(client: Any, clinic_a: ClinicWorld) -> None:
    response = client.get(_url(clinic_a))
    assert response.status_code == 200 and b"How is your skin?" in response.content


def test_red_flag_report_opens_an_adverse_event_and_alerts_staff(client: Any, clinic_a: ClinicWorld) -> None:
    photo = SimpleUploadedFile("cheek.png", _png(), content_type="image/png")
    response = client.post(
        _url(clinic_a),
        {
            "symptoms": ["redness", "fever", "pus"],
            "days_since_session": "3",
            "redness_days": "3",
            "free_text": "hot and sore",
            "photos": [photo],
        },
    )
    assert response.status_code == 200 and b"clinic has been alerted" in response.content
    report = ReactionReport.objects.get(client=clinic_a.client)
    assert report.red_flags == ["fever", "pus"] and report.photos.count() == 1
    event = AdverseEvent.objects.get(client=clinic_a.client)
    assert event.status == EventStatus.OPEN and event.source == f"reaction_report:{report.pk}"
    assert event.severity == "severe"
    alerts = OutboxMessage.objects.filter(kind=Kind.STAFF_ALERT)
    recipients = set(alerts.values_list("recipient", flat=True))
    assert recipients == {clinic_a.users["owner"].email, clinic_a.users["practitioner"].email}
    assert all(a.due_at <= a.created_at + timedelta(seconds=1) for a in alerts)  # at once
    assert "RED FLAG" in alerts[0].subject and "Fever" in alerts[0].body


def test_report_without_red_flags_opens_nothing(client: Any, clinic_a: ClinicWorld) -> None:
    response = client.post(_url(clinic_a), {"symptoms": ["redness", "swelling"], "redness_days": "2"})
    assert response.status_code == 200
    assert ReactionReport.objects.count() == 1 and AdverseEvent.objects.count() == 0
    assert not OutboxMessage.objects.filter(kind=Kind.STAFF_ALERT).exists()


def test_bad_input_is_400_and_keeps_what_was_typed(client: Any, clinic_a: ClinicWorld) -> None:
    response = client.post(
        _url(clinic_a), {"symptoms": ["swelling"], "days_since_session": "-4", "free_text": "itchy cheeks"}
    )
    assert response.status_code == 400 and b"itchy cheeks" in response.content
    not_image = SimpleUploadedFile("x.png", b"MZ not an image", content_type="image/png")
    response = client.post(
        _url(clinic_a), {"symptoms": ["swelling"], "free_text": "see photo", "photos": [not_image]}
    )
    assert (
        response.status_code == 400
        and b"not an image" in response.content
        and b"see photo" in response.content
    )
    response = client.post(_url(clinic_a), {"symptoms": ["made_up"], "free_text": "kept"})
    assert response.status_code == 400 and b"kept" in response.content
    assert ReactionReport.objects.count() == 0


def test_tampered_or_foreign_tokens_are_refused(
    client: Any, clinic_a: ClinicWorld, clinic_b: ClinicWorld
) -> None:
    url = reverse("portal-reaction", kwargs={"slug": clinic_a.clinic.slug})
    assert client.get(url + "?t=abc").status_code == 400
    forged = TimestampSigner(salt="other").sign("x")
    assert client.get(url + f"?t={forged}").status_code == 400
    # a token for clinic B's client does not work on clinic A's form
    token_b = services.checkin_token(clinic_b.client.pk, None)
    assert client.get(url + f"?t={token_b}").status_code == 400
    # no token and no portal session: sign in first
    assert client.get(url).status_code == 302


def test_staff_pages_list_reports_and_events_scoped_and_logged(
    client: Any, clinic_a: ClinicWorld, clinic_b: ClinicWorld
) -> None:
    client.post(_url(clinic_a), {"symptoms": ["spreading_redness"], "free_text": "A's report"})
    client.post(_url(clinic_b), {"symptoms": ["fever"], "free_text": "B's report"})
    client.force_login(clinic_a.users["practitioner"])
    page = client.get(reverse("reaction-reports"))
    assert b"A&#x27;s report" in page.content and b"B&#x27;s report" not in page.content
    events = client.get(reverse("adverse-events"))
    assert clinic_a.client.full_name.encode() in events.content
    assert clinic_b.client.full_name.encode() not in events.content
    assert AccessLog.objects.filter(action="reaction_reports", clinic=clinic_a.clinic).exists()
    log = client.get(reverse("messaging-log"))
    assert log.status_code == 200 and b"owner.a@example.com" in log.content
    assert b"owner.b@example.com" not in log.content  # clinic B's alerts stay in clinic B


def test_owner_edits_templates_and_quiet_hours(client: Any, clinic_a: ClinicWorld) -> None:
    client.force_login(clinic_a.users["owner"])
    bad = client.post(
        reverse("messaging-templates"),
        {"kind": "reminder_24h", "language": "de", "subject": "x", "body": "{% load static %}"},
    )
    assert bad.status_code == 400
    ok = client.post(
        reverse("messaging-templates"),
        {
            "kind": "reminder_24h",
            "language": "de",
            "subject": "Morgen",
            "body": "Bis morgen {{ session_time }}",
        },
    )
    assert ok.status_code == 302
    r = client.post(
        reverse("messaging-settings"),
        {
            "quiet_hours_enabled": "on",
            "quiet_start": "22:00",
            "quiet_end": "07:30",
            "max_attempts": "5",
            "next_session_days_before": "7",
            "review_days": "7",
            "touch_up_days": "180",
            "redness_days_flag": "3",
        },
    )
    assert r.status_code == 302
    assert str(services.settings_for(clinic_a.clinic.pk).quiet_end) == "07:30:00"


def test_a_signed_in_portal_client_reaches_the_form_without_a_token(
    client: Any, clinic_a: ClinicWorld
) -> None:
    session = client.session
    session["portal_client"] = {"client": clinic_a.client.pk, "clinic": clinic_a.clinic.pk}
    session.save()
    url = reverse("portal-reaction", kwargs={"slug": clinic_a.clinic.slug})
    assert client.get(url).status_code == 200
    assert client.post(url, {"symptoms": ["bruising"]}).status_code == 200
    assert ReactionReport.objects.get().client == clinic_a.client


def test_report_page_shows_the_clinic_phone_and_what_to_do_now(client: Any, clinic_a: ClinicWorld) -> None:
    """Red flags must not wait for staff to read the form: the page itself says whom to call and
    when, in the protocol's own words with its sources."""
    from needlepoint.protocol import default_protocol

    clinic_a.location.phone = "+44 20 7946 0958"  # type: ignore[attr-defined]
    clinic_a.location.save()  # type: ignore[attr-defined]
    page = client.get(_url(clinic_a)).content.decode()
    assert 'href="tel:+442079460958"' in page and "+44 20 7946 0958" in page
    call = default_protocol().data.aftercare["call_clinic"]
    assert call.text.split(",")[0] in page
    assert all(c in page for c in call.citations)
    assert "emergency number" in page  # feeling very unwell: not a form to fill in


def test_empty_report_is_refused_with_a_message(client: Any, clinic_a: ClinicWorld) -> None:
    response = client.post(_url(clinic_a), {"days_since_session": "2", "free_text": "   "})
    assert response.status_code == 400
    assert "Tick what you notice, write a few words or add a photo" in response.content.decode()
    assert ReactionReport.objects.count() == 0


def test_portal_home_links_the_reaction_report(client: Any, clinic_a: ClinicWorld) -> None:
    from tests.portal.test_portal import sign_in

    sign_in(client, clinic_a)
    home = client.get(reverse("portal-home", kwargs={"slug": clinic_a.clinic.slug})).content.decode()
    assert f'href="{reverse("portal-reaction", kwargs={"slug": clinic_a.clinic.slug})}"' in home


def test_default_checkin_message_links_the_report() -> None:
    from needlepoint.clinic.messaging.templates import DEFAULTS

    assert "{{ checkin_url }}" in DEFAULTS[Kind.CHECKIN][1]
