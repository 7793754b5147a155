"""Message wording: a clinic's template for (kind, language), else its base language, else the
built-in English text. Rendered with Django's template engine from a string in a sandbox: only
a few logic tags are allowed, no {% load %}, no includes, and the context holds plain strings."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.template import Context, Engine, TemplateSyntaxError

from .models import Kind, MessageTemplate

ALLOWED_TAGS = frozenset({"if", "elif", "else", "endif", "for", "empty", "endfor", "firstof"})
_TAG = re.compile(r"{%-?\s*(\w+)")
# Engines with no loaders: {% include %} / {% extends %} find nothing even if they slipped through.
_TEXT = Engine(loaders=[], autoescape=False, libraries={})
_HTML = Engine(loaders=[], autoescape=True, libraries={})

DEFAULTS: dict[str, tuple[str, str]] = {
    Kind.REMINDER_48H: (
        "Your appointment on {{ session_time }}",
        "Hello {{ first_name }},\n\nA reminder of your microneedling session at {{ clinic }}, "
        "{{ location }}, on {{ session_time }}. Please arrive at {{ arrival_time }}.",
    ),
    Kind.REMINDER_24H: (
        "Tomorrow: your appointment at {{ session_clock }}",
        "Hello {{ first_name }},\n\nSee you tomorrow, {{ session_time }}, at {{ location }}.",
    ),
    Kind.NUMBING: (
        "Numbing cream at {{ numbing_clock }}",
        "Hello {{ first_name }},\n\nApply your numbing cream at {{ numbing_clock }} for your "
        "{{ session_clock }} session ({{ numbing_minutes }} minutes before).",
    ),
    Kind.AFTERCARE: (
        "Looking after your skin",
        "Hello {{ first_name }},\n\nThank you for coming in. For the next days:\n{{ aftercare }}",
    ),
    Kind.MAKEUP_OK: (
        "Light make-up is OK now",
        "Hello {{ first_name }},\n\nFrom {{ makeup_from }} you can wear light make-up, "
        "applied with clean brushes.",
    ),
    Kind.ACTIVES_OK: (
        "Back to your usual products",
        "Hello {{ first_name }},\n\nFrom {{ actives_from }} you can go back to retinol and other actives.",
    ),
    Kind.CHECKIN: (
        "How is your skin?",
        "Hello {{ first_name }},\n\nHow is your skin two days after your session? "
        "Tell us here: {{ checkin_url }}",
    ),
    Kind.NEXT_SESSION: (
        "Your next session: {{ next_session_time }}",
        "Hello {{ first_name }},\n\nYour next session is on {{ next_session_time }}.",
    ),
    Kind.REVIEW: (
        "How did your treatment go?",
        "Hello {{ first_name }},\n\nYou have finished your series at {{ clinic }}. "
        "We would value a short review: {{ review_url }}",
    ),
    Kind.TOUCH_UP: (
        "Time for a touch-up?",
        "Hello {{ first_name }},\n\nIt has been a while since your series. Book a touch-up session "
        "with {{ clinic }} when it suits you.",
    ),
    Kind.STAFF_ALERT: (
        "RED FLAG reaction report: {{ client_name }}",
        "{{ client_name }} reported: {{ symptoms }}.\nRed flags: {{ red_flags }}.\n"
        "An adverse event was opened. Contact the client now.\n\n{{ free_text }}",
    ),
}


def validate_template_source(source: str) -> None:
    bad = sorted({tag for tag in _TAG.findall(source) if tag not in ALLOWED_TAGS})
    if bad:
        raise ValidationError(f"Tags not allowed in messages: {', '.join(bad)}.")
    try:
        _TEXT.from_string(source)
    except TemplateSyntaxError as exc:
        raise ValidationError(f"Template error: {exc}") from exc


def render(source: str, context: Mapping[str, str], *, html: bool = False) -> str:
    validate_template_source(source)
    engine = _HTML if html else _TEXT
    return engine.from_string(source).render(Context(dict(context), autoescape=html))


@dataclass(frozen=True)
class Wording:
    subject: str
    body: str
    sms_body: str
    language: str


def wording_for(clinic_id: int, kind: str, language: str) -> Wording:
    """Exact language, then its base ('pt' for 'pt-BR'), then the built-in English text."""
    return wordings_for(clinic_id, {kind}, language)[kind]


def wordings_for(clinic_id: int, kinds: set[str], language: str) -> dict[str, Wording]:
    """wording_for for several kinds in one query (booking plans ~10 messages in its transaction)."""
    wanted = [language]
    base = language.split("-")[0].lower()
    if base != language:
        wanted.append(base)
    rows = {
        (t.kind, t.language): t
        for t in MessageTemplate.objects.for_clinic(clinic_id).filter(kind__in=kinds, language__in=wanted)
    }
    out: dict[str, Wording] = {}
    for kind in kinds:
        found = next((rows[kind, lang] for lang in wanted if (kind, lang) in rows), None)
        if found is not None:
            out[kind] = Wording(found.subject, found.body, found.sms_body or found.body, found.language)
        else:
            subject, body = DEFAULTS[kind]
            out[kind] = Wording(subject, body, body, "en")
    return out
