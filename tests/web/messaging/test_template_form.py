"""The owner's template form refuses the finding's attack strings with a clear message (nothing
stored) and spells language tags one way, so a wording saved as en-gb is used for en-GB."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.urls import reverse

from needlepoint.clinic.messaging.models import MessageTemplate
from tests.conftest import ClinicWorld

PADDING = '{{ first_name|ljust:"3000000" }}'
NESTED_FOR = (
    "{% for a in first_name %}{% for b in first_name %}{% for c in first_name %}x"
    "{% endfor %}{% endfor %}{% endfor %}"
)


def _save(client: Any, **fields: str) -> Any:
    data = {"kind": "reminder_24h", "language": "en", "subject": "Tomorrow", "body": "Hello"} | fields
    return client.post(reverse("messaging-templates"), data)


@pytest.mark.parametrize(
    ("field", "source", "says"),
    [
        ("body", PADDING, "Filter not allowed in messages: ljust"),
        ("subject", PADDING, "Filter not allowed in messages: ljust"),
        ("sms_body", NESTED_FOR, "Tags not allowed in messages: for."),
        ("body", NESTED_FOR, "Tags not allowed in messages: for."),
        ("body", "{{ aftercare }}" * 20, "The message would be too long"),
        ("sms_body", "{{ aftercare }}" * 2, "at most 1,600"),
    ],
)
def test_attack_strings_are_refused_on_save_with_a_clear_message(
    client: Any, clinic_a: ClinicWorld, field: str, source: str, says: str
) -> None:
    client.force_login(clinic_a.users["owner"])
    response = _save(client, **{field: source})
    assert response.status_code == 400
    assert says in html.unescape(response.content.decode())
    assert not MessageTemplate.objects.exists()


def test_sign_in_links_are_not_templated(client: Any, clinic_a: ClinicWorld) -> None:
    client.force_login(clinic_a.users["owner"])
    assert _save(client, kind="sign_in_link").status_code == 400
    assert b"sign_in_link" not in client.get(reverse("messaging-templates")).content


def test_language_is_saved_in_one_spelling_and_edited_in_place(client: Any, clinic_a: ClinicWorld) -> None:
    client.force_login(clinic_a.users["owner"])
    assert _save(client, language="en-gb", subject="British").status_code == 302
    assert list(MessageTemplate.objects.values_list("language", "subject")) == [("en-GB", "British")]
    # Saving again under another spelling edits the same wording instead of a duplicate.
    assert _save(client, language="EN-GB", subject="Still British").status_code == 302
    assert list(MessageTemplate.objects.values_list("language", "subject")) == [("en-GB", "Still British")]
    bad = _save(client, language="en gb!")
    assert bad.status_code == 400 and "Use a language tag such as" in bad.content.decode()


def test_a_stored_template_the_checks_refuse_is_flagged_on_the_templates_page(
    client: Any, clinic_a: ClinicWorld
) -> None:
    MessageTemplate.objects.create(  # stored without the form, e.g. before the checks existed
        clinic=clinic_a.clinic, kind="reminder_24h", language="en", subject="Hi", body=PADDING
    )
    client.force_login(clinic_a.users["owner"])
    page = html.unescape(client.get(reverse("messaging-templates")).content.decode())
    assert "Not used — the built-in wording is sent instead." in page
    assert "body: Filter not allowed in messages: ljust" in page
