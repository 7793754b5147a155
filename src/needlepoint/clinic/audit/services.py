"""Recording PHI access."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

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
