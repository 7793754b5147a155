"""The `Idempotency-Key` header on the API's booking writes: a retry of a request that already
succeeded gets the stored response back (status and body, with `Idempotent-Replayed: true`)
instead of booking again. Keys are the token's own (per clinic and token), kept 24 hours; the
same key with another method, path or body is refused (422). Only successes are stored: a
refused request may be retried with the same key.

Wraps the operation's whole run (decorate_view), so the key, the write and the stored response
commit in one transaction: two simultaneous requests with one key write once."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse

from needlepoint import clock
from needlepoint.clinic.api_tokens import active_token
from needlepoint.clinic.errors import DomainError
from needlepoint.clinic.idempotency import services

from .errors import as_body

HEADER = "Idempotency-Key"

#: The header in the OpenAPI document of every operation that takes it.
OPENAPI: dict[str, Any] = {
    "parameters": [
        {
            "in": "header",
            "name": HEADER,
            "required": False,
            "schema": {"type": "string", "minLength": 1, "maxLength": services.MAX_KEY_LENGTH},
            "description": (
                "Optional: a unique key (a UUID, say) for this write. Retrying with the same key "
                "returns the first success's stored response (header `Idempotent-Replayed: true`) "
                "instead of booking again. Keys belong to the token and expire after 24 hours; "
                "the same key with a different request answers 422 `idempotency_key_reused`."
            ),
        }
    ]
}


def idempotent(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kw: Any) -> HttpResponseBase:
        key = request.headers.get(HEADER)
        if key is None:
            return run(request, *args, **kw)
        scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
        now = clock.now()
        token = active_token(raw.strip(), now=now) if scheme.lower() == "bearer" else None
        if token is None:
            return run(request, *args, **kw)  # the operation's authentication answers 401
        fingerprint = services.fingerprint(request.method or "", request.get_full_path(), request.body)
        with transaction.atomic():
            try:
                claimed = services.claim(token, key, fingerprint, now=now)
            except DomainError as exc:
                status, payload = as_body(exc)
                return JsonResponse(payload, status=status)
            if isinstance(claimed, services.StoredResponse):
                replay = HttpResponse(
                    claimed.content, status=claimed.status_code, content_type=claimed.content_type
                )
                replay["Idempotent-Replayed"] = "true"
                return replay
            response = run(request, *args, **kw)
            if 200 <= response.status_code < 300 and isinstance(response, HttpResponse):
                services.store(
                    claimed, response.status_code, response.content, response.get("Content-Type", "")
                )
            else:
                services.release(claimed)
        return response

    return wrapper
