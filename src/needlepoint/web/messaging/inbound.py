"""The two webhooks replies arrive through. Neither has a session, so both are exempt from CSRF
(only these two routes) and prove who is calling instead:

- Twilio (texts): X-Twilio-Signature over NEEDLEPOINT_BASE_URL + the path (the URL Twilio was
  given; the Host header is the caller's to write), keyed with NEEDLEPOINT_TWILIO_AUTH_TOKEN.
  Answers empty TwiML: the STOP/START confirmation goes through the outbox like every text.
- A mail provider's inbound parse (email): NEEDLEPOINT_INBOUND_EMAIL_SECRET in the URL or the
  X-Needlepoint-Secret header, compared in constant time. JSON or form fields from, to,
  subject, text (and message_id when the provider gives one).
A reply that cannot be placed is acknowledged (200), so the provider does not retry it forever.
"""

from __future__ import annotations

import hmac
import json
import logging
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from needlepoint import clock
from needlepoint.clinic.messaging import inbound, reply_address, twilio_signature

log = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _plain(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_POST
def inbound_sms(request: HttpRequest) -> HttpResponse:
    token = settings.NEEDLEPOINT_TWILIO_AUTH_TOKEN
    url = settings.NEEDLEPOINT_BASE_URL.rstrip("/") + request.get_full_path()
    params = {name: request.POST.getlist(name) for name in request.POST}
    signature = request.headers.get("X-Twilio-Signature", "")
    if not twilio_signature.valid(url, params, signature, token):
        log.warning("inbound text refused: missing or wrong X-Twilio-Signature")
        return _plain("Invalid or missing X-Twilio-Signature.", 403)
    sid, sender, to = (request.POST.get(k, "").strip() for k in ("MessageSid", "From", "To"))
    if not (sid and sender and to):
        return _plain("MessageSid, From and To are required.", 400)
    inbound.receive_sms(sender=sender, to=to, body=request.POST.get("Body", ""), sid=sid, now=clock.now())
    return HttpResponse(EMPTY_TWIML, content_type="text/xml; charset=utf-8")


def _fields(request: HttpRequest) -> dict[str, Any] | None:
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            return None
        return data if isinstance(data, dict) else None
    return {name: request.POST.get(name, "") for name in request.POST}


def _text(data: dict[str, Any], *names: str) -> str:
    for name in names:
        value = data.get(name)
        if isinstance(value, str) and value:
            return value
    return ""


def _secret_ok(request: HttpRequest, secret: str) -> bool:
    expected = settings.NEEDLEPOINT_INBOUND_EMAIL_SECRET
    given = secret or request.headers.get("X-Needlepoint-Secret", "")
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


@csrf_exempt
@require_POST
def inbound_email(request: HttpRequest, secret: str = "") -> HttpResponse:
    if not _secret_ok(request, secret):
        return _plain("Unknown inbound email secret.", 403)
    data = _fields(request)
    if data is None:
        return _plain("Send a JSON object or form fields: from, to, subject, text.", 400)
    to = ", ".join(t for t in (_text(data, "to", "To"), _text(data, "recipient", "envelope_to")) if t)
    sender = parseaddr(_text(data, "from", "From", "sender"))[1]
    received = inbound.receive_email(
        to=to,
        sender=sender,
        subject=_text(data, "subject", "Subject"),
        text=_text(data, "text", "stripped-text", "body-plain", "TextBody", "plain"),
        message_id=_text(data, "message_id", "Message-Id", "Message-ID", "MessageID").strip(),
        token=reply_address.read(to),
        now=clock.now(),
    )
    if received.status == "ignored":
        log.warning("inbound email ignored: %s", received.reason)
    return JsonResponse({"status": received.status, "reason": received.reason})
