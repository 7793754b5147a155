"""What a handler needs from an authenticated API request (set by TokenAuth)."""

from __future__ import annotations

from django.http import HttpRequest

from needlepoint.clinic.accounts.models import Membership
from needlepoint.clinic.audit.services import AccessContext
from needlepoint.clinic.clinics.models import Clinic
from needlepoint.clinic.permissions import ApiActor


def clinic(request: HttpRequest) -> Clinic:
    value: Clinic = request.clinic  # type: ignore[attr-defined]
    return value


def membership(request: HttpRequest) -> Membership:
    value: Membership = request.membership  # type: ignore[attr-defined]
    return value


def actor(request: HttpRequest) -> ApiActor:
    """The token as the services' actor: its holder's membership, bounded by its scopes."""
    value: ApiActor = request.api_actor  # type: ignore[attr-defined]
    return value


def access(request: HttpRequest) -> AccessContext:
    """For record_access: who read PHI, for which clinic, through which API path."""
    return AccessContext.from_request(request)
