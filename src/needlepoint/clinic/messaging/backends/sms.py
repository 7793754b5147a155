"""SMS backends: console (prints) and Twilio's Messages REST API over HTTPS with urllib."""

from __future__ import annotations

import base64
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings

from . import PermanentError


class ConsoleSmsBackend:
    def send(self, to: str, body: str, *, idempotency_key: str, sender: str = "") -> str:
        sys.stdout.write(f"SMS to {to}{f' from {sender}' if sender else ''} [{idempotency_key}]\n{body}\n\n")
        return f"console-{idempotency_key}"


class TwilioSmsBackend:
    """POST /2010-04-01/Accounts/{sid}/Messages.json. The base URL is a setting so tests point it
    at a local imitation of the API; the idempotency key travels in a header for log matching."""

    def __init__(self) -> None:
        self.sid = settings.NEEDLEPOINT_TWILIO_ACCOUNT_SID
        self.token = settings.NEEDLEPOINT_TWILIO_AUTH_TOKEN
        self.sender = settings.NEEDLEPOINT_TWILIO_FROM
        self.base = settings.NEEDLEPOINT_TWILIO_BASE_URL.rstrip("/")
        self.timeout = 10.0

    def send(self, to: str, body: str, *, idempotency_key: str, sender: str = "") -> str:
        url = f"{self.base}/2010-04-01/Accounts/{urllib.parse.quote(self.sid)}/Messages.json"
        data = urllib.parse.urlencode({"To": to, "From": sender or self.sender, "Body": body}).encode()
        auth = base64.b64encode(f"{self.sid}:{self.token}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310 - https (or a local test URL) from settings
            url,
            data=data,
            method="POST",
            headers={"Authorization": f"Basic {auth}", "Idempotency-Key": idempotency_key},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                payload = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:300].decode(errors="replace")
            # 4xx other than 429 (too many requests) is a bad number or request: do not retry.
            if 400 <= exc.code < 500 and exc.code != 429:
                raise PermanentError(f"Twilio {exc.code}: {detail}") from exc
            raise RuntimeError(f"Twilio {exc.code}: {detail}") from exc
        return str(payload.get("sid", ""))
