"""Message wording: a clinic's template for (kind, language), else its base language, else the
built-in English text.

A clinic's template is untrusted text run by shared workers inside the booking transaction, so it
is rendered by its own engine (`_SafeEngine`) whose only tags and filters are template_library's
allow-list (no loops, padding, includes or {% load %}), and it is bounded: the source's length,
the output's length (per channel) and the render time with sample data are checked on save
(`validate_template_source`); at send time (`render_wording`) a template that fails or overflows
falls back to the built-in wording for its kind, so one bad template never fails a booking."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.template import Context, Engine, Template, TemplateSyntaxError

from .languages import normalise_language
from .models import Kind, MessageTemplate
from .template_library import ALLOWED_FILTERS, ALLOWED_TAGS

log = logging.getLogger(__name__)

# Closing and branch tags parsed by the allowed opening tags.
_INNER_TAGS = frozenset({"elif", "else", "endif", "endwith", "endcomment"})
_TAG = re.compile(r"{%-?\s*(\w+)")
_BAD_FILTER = re.compile(r"Invalid filter: '(\w+)'")

MAX_SOURCE = 5_000  # characters of template source (subject, body or SMS text)
MAX_SUBJECT = 200  # the outbox's subject column
MAX_EMAIL = 5_000  # characters of a rendered email body
MAX_SMS = 1_600  # ten concatenated SMS segments
MAX_RENDER_SECONDS = 0.1  # with sample data, on save

# Every variable a template may use, with realistic long values, for the check on save.
SAMPLE_CONTEXT: dict[str, str] = {
    "first_name": "Maximiliana-Josephine",
    "clinic": "Needlepoint Skin Clinic & Aesthetics",
    "location": "Marylebone High Street, first floor",
    "session_time": "Wednesday 30 September 2026 at 14:30",
    "session_clock": "14:30",
    "arrival_time": "Wednesday 30 September 2026 at 14:15",
    "numbing_clock": "13:45",
    "numbing_minutes": "45",
    "aftercare": "- Redness and swelling are normal: your skin will look like a mild sunburn.\n" * 12,
    "makeup_from": "Thursday 1 October 2026 at 14:30",
    "actives_from": "Monday 5 October 2026 at 14:30",
    "checkin_url": "https://clinic.example.com/portal/needlepoint/reaction/?t=" + "x" * 120,
    "next_session_time": "Wednesday 28 October 2026 at 14:30",
    "review_url": "https://clinic.example.com/portal/needlepoint/review/",
    "client_name": "Maximiliana-Josephine Featherstonehaugh",
    "symptoms": "Redness, Fever or feeling unwell, Pus or yellow discharge",
    "red_flags": "Fever or feeling unwell, Pus or yellow discharge",
    "free_text": "It has been getting hotter since yesterday evening. " * 10,
    "invoice_number": "INV-000123",
    "issued_on": "30 September 2026",
    "receipt_lines": "- Microneedling: Cheeks (left and right), forehead and neck: £1,250.00\n" * 12,
    "total": "£10,000,000.00",
    "tax": "VAT £1,666,666.67",
    "payments": "- Card terminal: £1,250.00\n" * 8,
    "balance": "£10,000,000.00",
    "amount": "£10,000,000.00",
    "purpose": "membership",
    "reason": "Your card was declined: insufficient funds. " * 6,
    "card_url": "https://clinic.example.com/portal/needlepoint/money/",
}


class _SafeEngine(Engine):
    # Engine always adds its default_builtins (every Django tag and filter) to `builtins`.
    default_builtins = ["needlepoint.clinic.messaging.template_library"]


# No loaders: {% include %} / {% extends %} are not even tags here, and would find nothing.
_TEXT = _SafeEngine(loaders=[], autoescape=False, libraries={})
_HTML = _SafeEngine(loaders=[], autoescape=True, libraries={})


class TemplateRefused(ValueError):
    """A template the safe engine will not render (bad tag or filter, too long, too slow)."""


def _compile(source: str, *, html: bool = False) -> Template:
    if len(source) > MAX_SOURCE:
        raise TemplateRefused(f"The text is too long: {len(source):,} characters (at most {MAX_SOURCE:,}).")
    found = set(_TAG.findall(source)) - set(ALLOWED_TAGS) - _INNER_TAGS
    # Name the opening tag ("for"), not also its "endfor" and "empty".
    inner = {f"end{t}" for t in found} | ({"empty"} if "for" in found else set())
    bad = sorted(found - inner)
    if bad:
        raise TemplateRefused(
            f"Tags not allowed in messages: {', '.join(bad)}. Allowed tags: {', '.join(ALLOWED_TAGS)}."
        )
    try:
        return (_HTML if html else _TEXT).from_string(source)
    except TemplateSyntaxError as exc:
        filter_ = _BAD_FILTER.search(str(exc))
        if filter_:
            raise TemplateRefused(
                f"Filter not allowed in messages: {filter_.group(1)}. "
                f"Allowed filters: {', '.join(ALLOWED_FILTERS)}."
            ) from exc
        raise TemplateRefused(f"Template error: {exc}") from exc


def _render_bounded(source: str, context: Mapping[str, str], limit: int, *, html: bool = False) -> str:
    out = _compile(source, html=html).render(Context(dict(context), autoescape=html))
    if len(out) > limit:
        raise TemplateRefused(f"The message would be too long: {len(out):,} characters (at most {limit:,}).")
    return out


def limit_for(field: str) -> int:
    return {"subject": MAX_SUBJECT, "sms_body": MAX_SMS}.get(field, MAX_EMAIL)


def validate_template_source(source: str, *, limit: int = MAX_EMAIL) -> None:
    """Refuse (ValidationError with what is wrong) a template the engine will not run, or whose
    render with sample data is longer than `limit` or slower than MAX_RENDER_SECONDS."""
    started = time.perf_counter()
    try:
        _render_bounded(source, SAMPLE_CONTEXT, limit)
    except TemplateRefused as exc:
        raise ValidationError(str(exc)) from exc
    except Exception as exc:  # a filter choking on its argument, e.g. truncatechars:"x"
        raise ValidationError(f"Template error: {exc}") from exc
    if time.perf_counter() - started > MAX_RENDER_SECONDS:
        raise ValidationError(
            f"The template takes too long to render (more than {MAX_RENDER_SECONDS * 1000:.0f} ms)."
        )


def template_problem(template: MessageTemplate) -> str:
    """Why a stored template would not be used (saved before these checks, or not through the
    form), for the templates page; "" when it is fine."""
    for name in ("subject", "body", "sms_body"):
        try:
            validate_template_source(getattr(template, name), limit=limit_for(name))
        except ValidationError as exc:
            return f"{name}: {' '.join(exc.messages)}"
    return ""


def render(source: str, context: Mapping[str, str], *, html: bool = False, limit: int = MAX_EMAIL) -> str:
    """Render through the safe engine; raises ValidationError when the template is refused."""
    try:
        return _render_bounded(source, context, limit, html=html)
    except TemplateRefused as exc:
        raise ValidationError(str(exc)) from exc


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
    Kind.RECEIPT: (
        "Your receipt from {{ clinic }}: {{ invoice_number }}",
        "Hello {{ first_name }},\n\nThank you for your visit to {{ clinic }} on {{ issued_on }}. "
        "Your receipt {{ invoice_number }}:\n\n{{ receipt_lines }}\n\nTotal: {{ total }} "
        "(including {{ tax }})\n\nPaid:\n{{ payments }}\n\nBalance due: {{ balance }}",
    ),
    Kind.PAYMENT_FAILED: (
        "Your card payment to {{ clinic }} did not go through",
        "Hello {{ first_name }},\n\nWe could not take {{ amount }} for your {{ purpose }} at "
        "{{ clinic }}: {{ reason }}\n\nPlease update your card here: {{ card_url }}",
    ),
}


# The kinds a clinic may word (sign-in links and invitations have fixed text).
TEMPLATED_KINDS = tuple(DEFAULTS)


@dataclass(frozen=True)
class Wording:
    subject: str
    body: str
    sms_body: str
    language: str
    builtin: bool = False


def builtin_wording(kind: str) -> Wording:
    subject, body = DEFAULTS[kind]
    return Wording(subject, body, body, "en", builtin=True)


def wording_for(clinic_id: int, kind: str, language: str) -> Wording:
    """Exact language, then its base ('pt' for 'pt-BR'), then the built-in English text."""
    return wordings_for(clinic_id, {kind}, language)[kind]


def wordings_for(clinic_id: int, kinds: set[str], language: str) -> dict[str, Wording]:
    """wording_for for several kinds in one query (booking plans ~10 messages in its transaction)."""
    language = normalise_language(language)
    wanted = [language]
    base = language.split("-")[0]
    if base != language:
        wanted.append(base)
    rows = {
        (t.kind, normalise_language(t.language)): t
        for t in MessageTemplate.objects.for_clinic(clinic_id).filter(kind__in=kinds, language__in=wanted)
    }
    out: dict[str, Wording] = {}
    for kind in kinds:
        found = next((rows[kind, lang] for lang in wanted if (kind, lang) in rows), None)
        if found is not None:
            out[kind] = Wording(found.subject, found.body, found.sms_body or found.body, found.language)
        else:
            out[kind] = builtin_wording(kind)
    return out


def render_wording(
    wording: Wording, kind: str, context: Mapping[str, str], *, sms: bool = False
) -> tuple[str, str, str]:
    """(subject, body, problem) for one message. A clinic's wording that is refused, fails or
    overflows is replaced by the built-in wording for `kind` (`problem` says why, for the delivery
    log); the built-in wording is trusted and only cut to the bound when long values overfill it."""
    fields = ("sms_body",) if sms else ("subject", "body")
    if not wording.builtin:
        try:
            out = [_render_bounded(getattr(wording, name), context, limit_for(name)) for name in fields]
        except Exception as exc:  # one clinic's template never fails a booking or a report
            problem = f"Clinic template not used ({exc}); the built-in wording was sent."[:500]
            log.warning("message template %s [%s]: %s", kind, wording.language, problem)
            return (*_render_builtin(kind, context, fields, sms), problem)
        return ("", out[0], "") if sms else (out[0], out[1], "")
    return (*_render_builtin(kind, context, fields, sms), "")


def _render_builtin(
    kind: str, context: Mapping[str, str], fields: tuple[str, ...], sms: bool
) -> tuple[str, str]:
    wording = builtin_wording(kind)
    out = []
    for name in fields:
        text = _compile(getattr(wording, name)).render(Context(dict(context), autoescape=False))
        limit = limit_for(name)
        out.append(text if len(text) <= limit else text[: limit - 1] + "…")
    return ("", out[0]) if sms else (out[0], out[1])
