"""Twilio's request signature (X-Twilio-Signature): base64 of HMAC-SHA1, keyed with the account's
auth token, over the full URL Twilio called followed by every POST parameter's name and value,
sorted by name (and, for a repeated name, by value)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence


def compute(url: str, params: Mapping[str, Sequence[str]], token: str) -> str:
    payload = url
    for name in sorted(params):
        for value in sorted(set(params[name])):
            payload += name + value
    digest = hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def valid(url: str, params: Mapping[str, Sequence[str]], signature: str, token: str) -> bool:
    if not token or not signature:
        return False
    return hmac.compare_digest(compute(url, params, token).encode(), signature.encode())
