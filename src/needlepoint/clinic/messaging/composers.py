"""Bodies finished when the worker sends. A message whose email must carry a secret (a portal
sign-in link's token) is queued without it; the app that owns the secret registers a composer for
its kind (in its AppConfig.ready) that mints the secret at send time, so the secret is stored
only as its hash and exists in clear only in the email. A composer raises
backends.PermanentError when the message can no longer be sent (the link expired meanwhile)."""

from __future__ import annotations

from collections.abc import Callable

from .models import OutboxMessage

Composer = Callable[[OutboxMessage], str]
_composers: dict[str, Composer] = {}


def register(kind: str, composer: Composer) -> None:
    _composers[kind] = composer


def body_to_send(message: OutboxMessage) -> str:
    composer = _composers.get(message.kind)
    return message.body if composer is None else composer(message)
