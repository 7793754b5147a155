"""Learn pages say what the protocol data says (never hard-coded), and add "For you" notes from
a signed-in client's own plan."""

from __future__ import annotations

import html

from django.urls import reverse

from needlepoint.portal.learn import topics
from needlepoint.protocol import default_protocol
from tests.clinic.journey_helpers import confirmed_plan, intake_data
from tests.conftest import ClinicWorld
from tests.portal.test_portal import sign_in


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return " ".join(html.unescape(response.content.decode()).split())


def _clean(s: str) -> str:
    return " ".join(s.split())


def test_learn_pages_render_the_protocol_education(client, db: None) -> None:
    d = default_protocol().data
    index = _text(client.get(reverse("learn-index")))
    for section in d.education.values():
        assert section.title in index and _clean(section.body) in index
    aftercare = _text(client.get(reverse("learn-topic", kwargs={"topic": "aftercare"})))
    for item in d.aftercare.values():
        assert _clean(item.text) in aftercare
    risks = _text(client.get(reverse("learn-topic", kwargs={"topic": "risks"})))
    for risk in d.risks.values():
        assert _clean(risk.description) in risks
    hurts = _text(client.get(reverse("learn-topic", kwargs={"topic": "does-it-hurt"})))
    agent = d.numbing.agents[d.numbing.default_agent]
    assert f"applied {agent.application_minutes} minutes before" in hurts
    areas = _text(client.get(reverse("learn-topic", kwargs={"topic": "areas"})))
    for area in d.areas.values():
        assert area.name in areas
    often = _text(client.get(reverse("learn-topic", kwargs={"topic": "how-often"})))
    assert d.indications["acne_scars"].course.label in often
    assert client.get(reverse("learn-topic", kwargs={"topic": "nonsense"})).status_code == 404


def test_every_topic_has_a_page(client, db: None) -> None:
    for t in topics(default_protocol()):
        response = client.get(reverse("learn-topic", kwargs={"topic": t.slug}))
        assert response.status_code == 200 and html.escape(t.title) in response.content.decode()


def test_signed_in_client_gets_personal_notes(client, clinic_a: ClinicWorld) -> None:
    confirmed_plan(clinic_a, intake_data(fitzpatrick=5, conditions=("herpes_simplex_history",)))
    public = _text(client.get(reverse("learn-topic", kwargs={"topic": "risks"})))
    assert "For you" not in public
    sign_in(client, clinic_a)
    risks = _text(client.get(reverse("learn-topic", kwargs={"topic": "risks"})))
    assert "For you" in risks and "you have had cold sores" in risks
    areas = _text(client.get(reverse("learn-topic", kwargs={"topic": "areas"})))
    assert "Cheeks: acne scars, needle depth 1.5 mm" in areas
    often = _text(client.get(reverse("learn-topic", kwargs={"topic": "how-often"})))
    assert "Your course: 4 sessions, 28–35 days apart." in often
