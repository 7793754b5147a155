"""Small helpers shared by the journey views."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest

from needlepoint import clock
from needlepoint.clinic.accounts.models import Membership
from needlepoint.clinic.audit.services import AccessContext, client_ip
from needlepoint.clinic.clinics.models import Clinic


def membership(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined]


def clinic(request: HttpRequest) -> Clinic:
    return request.clinic  # type: ignore[attr-defined]


def ctx(request: HttpRequest) -> AccessContext:
    return AccessContext.from_request(request)


def now() -> datetime:
    return clock.now()


def ip_and_agent(request: HttpRequest) -> tuple[str | None, str]:
    return client_ip(request), request.headers.get("User-Agent", "")[:300]
