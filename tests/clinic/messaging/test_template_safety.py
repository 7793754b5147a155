"""Clinic message templates run on shared workers inside the booking transaction: only safe tags
and filters, bounded source, output and render time; refused on save with a clear message, and a
bad template already stored falls back to the built-in wording instead of failing the booking."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from needlepoint.clinic.booking import services as booking
from needlepoint.clinic.messaging import templates
from needlepoint.clinic.messaging.models import Kind, MessageTemplate, OutboxMessage
from needlepoint.clinic.messaging.reactions import ReportInput, submit_report
from needlepoint.clinic.messaging.templates import render, validate_template_source, wording_for
from needlepoint.clinic.permissions import SystemActor
from tests.clinic.booking.conftest import NOW, BookingWorld, spec

# The finding's attack strings: 3 MB per message, and a cubic loop over the name's characters.
PADDING = '{{ first_name|ljust:"3000000" }}'
NESTED_FOR = (
    "{% for a in aftercare %}{% for b in aftercare %}{% for c in aftercare %}x"
    "{% endfor %}{% endfor %}{% endfor %}"
)


@pytest.mark.parametrize(
    ("source", "says"),
    [
        (PADDING, "Filter not allowed in messages: ljust"),
        ('{{ first_name|rjust:"99999" }}', "Filter not allowed in messages: rjust"),
        ('{{ first_name|center:"99999" }}', "Filter not allowed in messages: center"),
        ('{{ first_name|stringformat:"99999s" }}', "Filter not allowed in messages: stringformat"),
        ("{{ first_name|make_list }}", "Filter not allowed in messages: make_list"),
        (NESTED_FOR, "Tags not allowed in messages: for"),
        ("{% lorem 99999 w %}", "Tags not allowed in messages: lorem"),
        ("{% load static %}x", "Tags not allowed in messages: load"),
        ("{% include 'base.html' %}", "Tags not allowed in messages: include"),
        ("{% extends 'base.html' %}", "Tags not allowed in messages: extends"),
        ("{% debug %}", "Tags not allowed in messages: debug"),
        ("{% ssi '/etc/passwd' %}", "Tags not allowed in messages: ssi"),
        ("x" * (templates.MAX_SOURCE + 1), "too long"),
        ("{{ aftercare }}" * 20, "would be too long"),  # sample data overflows the email bound
    ],
)
def test_dangerous_templates_are_refused_with_what_is_wrong(source: str, says: str) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_template_source(source)
    assert says in " ".join(refused.value.messages)


def test_the_sms_bound_is_tighter_than_the_email_bound() -> None:
    source = "{{ free_text }}" * 3  # ~1,500 characters of sample text: an email, not ten SMS
    validate_template_source(source)
    with pytest.raises(ValidationError, match="at most 1,600"):
        validate_template_source(source * 2, limit=templates.MAX_SMS)


def test_a_template_slower_than_the_bound_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(templates, "MAX_RENDER_SECONDS", 0.0)
    with pytest.raises(ValidationError, match="takes too long to render"):
        validate_template_source("Hello {{ first_name }}")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ first_name|upper }} {{ clinic|lower }}", "ZELDA needlepoint"),
        ("{{ missing|default:'there' }} {{ first_name|capfirst|truncatechars:4 }}", "there Zel…"),
        ("{{ first_name|title }} {{ words|truncatewords:2 }}", "Zelda one two …"),
        ("{% if first_name %}Hi {{ first_name }}{% else %}Hi{% endif %}", "Hi zelda"),
        ("{% with n=first_name %}{{ n }}{% endwith %}{# note #}", "zelda"),
        ("{{ lines|linebreaksbr }} {{ count|pluralize }} {{ yes|yesno:'on,off' }}", "a<br>b s on"),
        ("{% firstof missing first_name %}", "zelda"),
    ],
)
def test_allowed_tags_and_filters_still_work(source: str, expected: str) -> None:
    validate_template_source(source)
    context = {
        "first_name": "zelda",
        "clinic": "Needlepoint",
        "words": "one two three",
        "lines": "a\nb",
        "count": "2",
        "yes": "1",
    }
    assert render(source, context) == expected


def _book(bw: BookingWorld) -> list[OutboxMessage]:
    client = bw.world.client
    client.consent_email = True
    client.phone = "+447700900123"
    client.consent_sms = True
    client.save()
    s = spec(bw, sessions=1)
    result, _ = booking.search_series(bw.world.clinic, s, now=NOW)
    series = booking.book_series(
        bw.world.clinic, s, list(result.options[0].sessions), actor=SystemActor(bw.world.clinic.pk, "test")
    )
    appt = series.appointments.get()
    return list(OutboxMessage.objects.filter(appointment=appt))


@pytest.mark.parametrize("source", [PADDING, NESTED_FOR, "{% if %}", "{{ aftercare }}" * 40])
def test_a_malicious_template_already_stored_falls_back_and_the_booking_succeeds(
    bw: BookingWorld, source: str, caplog: Any
) -> None:
    clinic = bw.world.clinic
    for kind in (Kind.REMINDER_24H, Kind.AFTERCARE):  # stored without the form (e.g. before this fix)
        MessageTemplate.objects.create(
            # (the subject and SMS columns hold 200 and 480 characters; 195 is 13 whole repeats)
            clinic=clinic,
            kind=kind,
            language="en",
            subject=source[:195],
            body=source,
            sms_body=source[:480],
        )
    rows = _book(bw)
    assert rows
    for m in rows:
        assert len(m.body) <= (templates.MAX_SMS if m.channel == "sms" else templates.MAX_EMAIL)
        assert len(m.subject) <= templates.MAX_SUBJECT
    reminder = next(m for m in rows if m.kind == Kind.REMINDER_24H and m.channel == "email")
    assert reminder.subject.startswith("Tomorrow: your appointment at")  # the built-in wording
    assert "Clinic template not used" in reminder.last_error  # flagged in the delivery log
    sms = next(m for m in rows if m.kind == Kind.REMINDER_24H and m.channel == "sms")
    assert sms.body.startswith("Hello ") and "Clinic template not used" in sms.last_error
    assert "Clinic template not used" in caplog.text


def test_a_malicious_staff_alert_template_still_alerts(bw: BookingWorld) -> None:
    MessageTemplate.objects.create(
        clinic=bw.world.clinic, kind=Kind.STAFF_ALERT, language="en", subject=PADDING, body=NESTED_FOR
    )
    huge = "x" * 20_000  # the client's free text is long: the built-in wording is cut to the bound
    submit_report(bw.world.client, None, ReportInput(["fever"], 2, None, huge), [])
    alert = OutboxMessage.objects.filter(kind=Kind.STAFF_ALERT).first()
    assert alert is not None and alert.subject.startswith("RED FLAG reaction report")
    assert len(alert.body) <= templates.MAX_EMAIL and alert.body.startswith(bw.world.client.full_name)


def test_language_tags_are_normalised_on_save_and_on_lookup(bw: BookingWorld) -> None:
    clinic = bw.world.clinic
    saved = MessageTemplate.objects.create(
        clinic=clinic, kind=Kind.REMINDER_24H, language="en-gb", subject="British {{ first_name }}", body="b"
    )
    assert saved.language == "en-GB"
    assert wording_for(clinic.pk, Kind.REMINDER_24H, "en-GB").subject.startswith("British")
    assert wording_for(clinic.pk, Kind.REMINDER_24H, "en-gb").subject.startswith("British")
    assert wording_for(clinic.pk, Kind.REMINDER_24H, "EN_gb").subject.startswith("British")
    MessageTemplate.objects.create(
        clinic=clinic, kind=Kind.REMINDER_48H, language="PT", subject="pt", body="b"
    )
    assert wording_for(clinic.pk, Kind.REMINDER_48H, "pt-br").language == "pt"  # the base language
    clinic.locale = "en-GB"
    clinic.save()
    reminder = next(m for m in _book(bw) if m.kind == Kind.REMINDER_24H)
    assert reminder.subject == f"British {bw.world.client.first_name}"


@pytest.mark.parametrize(
    ("tag", "normal"), [("en-gb", "en-GB"), ("EN", "en"), ("zh-hant-tw", "zh-Hant-TW"), ("es-419", "es-419")]
)
def test_normalise_language(tag: str, normal: str) -> None:
    from needlepoint.clinic.messaging.languages import normalise_language

    assert normalise_language(tag) == normal
