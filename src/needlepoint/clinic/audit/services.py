"""Recording PHI access."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from auditlog.models import LogEntry
from django.db import models
from django.http import HttpRequest

from needlepoint.clinic.clinics.models import Clinic

from .models import AccessLog

if TYPE_CHECKING:
    from needlepoint.clinic.accounts.models import User
    from needlepoint.clinic.clients.models import Client


@dataclass(frozen=True)
class AccessContext:
    """Who is reading, for which clinic, from where. Built once per request (or CLI call)."""

    clinic: Clinic
    user: User | None
    path: str = ""
    remote_addr: str | None = None
    user_agent: str = ""

    @classmethod
    def from_request(cls, request: HttpRequest) -> AccessContext:
        return cls(
            clinic=request.clinic,  # type: ignore[attr-defined]
            user=request.user if request.user.is_authenticated else None,
            path=request.get_full_path()[:300],
            remote_addr=client_ip(request),
            user_agent=request.headers.get("User-Agent", "")[:300],
        )


def client_ip(request: HttpRequest) -> str | None:
    # Only REMOTE_ADDR: X-Forwarded-For is client-controlled unless a trusted proxy rewrites it,
    # and a deployment behind one sets REMOTE_ADDR correctly at the WSGI server.
    return request.META.get("REMOTE_ADDR") or None


def record_access(ctx: AccessContext, *, client: Client | None, action: str) -> AccessLog:
    return AccessLog.objects.create(
        clinic=ctx.clinic,
        user=ctx.user,
        client=client,
        action=action,
        path=ctx.path,
        remote_addr=ctx.remote_addr,
        user_agent=ctx.user_agent,
    )


def record_change(
    instance: models.Model,
    *,
    user: User | None,
    changes: Mapping[str, tuple[object, object]],
    note: str = "",
) -> LogEntry:
    """One explicit entry in the audit trail for a change a service makes as a whole (an archive,
    a merge), with the acting person even outside a request. ``changes`` is field → (before,
    after), shown like django-auditlog's own entries; ``note`` is kept in additional_data."""
    get_data = getattr(instance, "get_additional_data", None)
    data: dict[str, Any] = dict(get_data() if callable(get_data) else {})
    if note:
        data["note"] = note
    entry: LogEntry = LogEntry.objects.log_create(
        instance,
        force_log=True,
        action=LogEntry.Action.UPDATE,
        changes={k: [_shown(a), _shown(b)] for k, (a, b) in changes.items()},
        actor=user,
        additional_data=data,
    )
    return entry


def _shown(value: object) -> str:
    return "None" if value is None else str(value)
