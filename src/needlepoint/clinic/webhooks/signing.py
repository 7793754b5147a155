"""HMAC-SHA256 signatures over `timestamp.body`, sent as `Needlepoint-Signature: t=…,v1=…`.

The timestamp is part of what is signed so a captured request cannot be replayed later than the
receiver's tolerance; during a secret rotation the header carries one `v1=` per valid secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from needlepoint import clock

HEADER = "Needlepoint-Signature"
DEFAULT_TOLERANCE_S = 300


def body_bytes(payload: dict[str, Any]) -> bytes:
    """Canonical JSON: the same payload gives the same bytes on every retry."""
    return json.dumps(payload, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":")).encode()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def header_value(secrets: Iterable[str], timestamp: int, body: bytes) -> str:
    return ",".join([f"t={timestamp}", *(f"v1={sign(s, timestamp, body)}" for s in secrets if s)])


def verify(
    secret: str, header: str, body: bytes, *, tolerance_s: int = DEFAULT_TOLERANCE_S, now: float | None = None
) -> bool:
    """What a receiver does: parse `t` and every `v1`, refuse stale timestamps, compare in
    constant time. Returns False for anything malformed."""
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            return False
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                return False
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    if abs((clock.now().timestamp() if now is None else now) - timestamp) > tolerance_s:
        return False
    expected = sign(secret, timestamp, body)
    return any(hmac.compare_digest(expected, c) for c in candidates)
