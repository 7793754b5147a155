"""Small helpers shared by the journey views."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.http import HttpRequest

from needlepoint import clock
from needlepoint.clinic.accounts.models import Membership
from needlepoint.clinic.audit.services import AccessContext, client_ip
from needlepoint.clinic.clinics.models import Clinic, Location


def membership(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined]


def clinic(request: HttpRequest) -> Clinic:
    return request.clinic  # type: ignore[attr-defined]


def ctx(request: HttpRequest) -> AccessContext:
    return AccessContext.from_request(request)


def now() -> datetime:
    return clock.now()


def clinic_zone(c: Clinic) -> ZoneInfo:
    loc = Location.objects.for_clinic(c).filter(is_active=True).order_by("pk").first()
    return ZoneInfo(loc.timezone if loc else "UTC")


def clinic_today(c: Clinic) -> date:
    """Planning dates are the clinic's local date, not UTC's."""
    return now().astimezone(clinic_zone(c)).date()


def ip_and_agent(request: HttpRequest) -> tuple[str | None, str]:
    return client_ip(request), request.headers.get("User-Agent", "")[:300]
