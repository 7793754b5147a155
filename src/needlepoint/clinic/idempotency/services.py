"""Claiming an Idempotency-Key for a write, storing the response, replaying it.

Use inside ONE transaction that also does the write: `claim` inserts the key's row first, so a
concurrent request with the same key waits on the unique constraint until the first commits
(then replays its response) or rolls back (then claims the key itself and tries the write). A
response is stored only for a success; a refused or failed request releases the key, so a retry
is tried afresh. Keys expire after KEY_TTL.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from needlepoint.clinic.accounts.models import ApiToken
from needlepoint.clinic.errors import Conflict, InvalidInput

from .models import IdempotencyKey

KEY_TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 255


class KeyInvalid(InvalidInput):
    code = "invalid_idempotency_key"


class KeyReused(InvalidInput):
    status = 422
    code = "idempotency_key_reused"


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    content: bytes
    content_type: str


def check_key(key: str) -> None:
    """1–255 visible ASCII characters (a UUID is the usual choice)."""
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not all(33 <= ord(c) <= 126 for c in key):
        raise KeyInvalid(
            f"Idempotency-Key must be 1–{MAX_KEY_LENGTH} visible ASCII characters (a UUID, say).",
            field="Idempotency-Key",
        )


def fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def claim(token: ApiToken, key: str, fingerprint: str, *, now: datetime) -> IdempotencyKey | StoredResponse:
    """The new row for `key` (do the write, then `store` or `release`), or the response stored
    for it by an earlier request. Raises KeyReused if the key was used for another request."""
    check_key(key)
    # Expired keys of this token go first, so a key may be reused a day later.
    IdempotencyKey.objects.filter(token=token, expires_at__lte=now).delete()
    for _ in range(2):
        try:
            with transaction.atomic():  # savepoint: the duplicate must not poison the caller's transaction
                return IdempotencyKey.objects.create(
                    clinic_id=token.clinic_id,
                    token=token,
                    key=key,
                    fingerprint=fingerprint,
                    created_at=now,
                    expires_at=now + KEY_TTL,
                )
        except IntegrityError:
            pass
        found = IdempotencyKey.objects.filter(clinic_id=token.clinic_id, token=token, key=key).first()
        if found is None:
            continue  # released or expired meanwhile: claim it again
        if found.fingerprint != fingerprint:
            raise KeyReused(
                "This Idempotency-Key was already used for a different request (method, path or "
                "body). Use a new key for a new request.",
                field="Idempotency-Key",
            )
        if found.status_code is not None:
            return StoredResponse(found.status_code, found.content.encode(), found.content_type)
    raise Conflict(
        "A request with this Idempotency-Key is still in progress: retry shortly.",
        code="idempotency_key_in_use",
    )


def store(row: IdempotencyKey, status_code: int, content: bytes, content_type: str) -> None:
    row.status_code = status_code
    row.content = content.decode()
    row.content_type = content_type[:100]
    row.save(update_fields=["status_code", "content", "content_type"])


def release(row: IdempotencyKey) -> None:
    row.delete()
