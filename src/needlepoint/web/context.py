"""Template context shared by every staff page: the clinic switcher and navigation."""

from __future__ import annotations

from functools import cache, partial
from typing import Any

from django.http import HttpRequest

from needlepoint.clinic.accounts.selectors import active_memberships
from needlepoint.clinic.clients import phones
from needlepoint.clinic.clinics.models import Location


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = getattr(request, "membership", None)
    clinic = getattr(request, "clinic", None)
    return {
        # For times that belong to no appointment (sign-offs, submissions): the clinic's first
        # location's zone; appointment times use their own location's zone. A callable, so the
        # query runs only on pages that show such a time (templates call it), and once per page.
        "clinic_tz": cache(partial(_home_zone, clinic)),
        "membership": membership,
        "clinic": clinic,
        "memberships": list(active_memberships(user)),
        "is_owner": bool(membership and membership.is_owner),
        # Phones are stored in E.164 and shown nationally in this country (client_tags.phone).
        "phone_region": cache(partial(_phone_region, clinic)),
    }


def _phone_region(clinic: object) -> str:
    return phones.default_region(clinic) if clinic is not None else phones.FALLBACK_REGION  # type: ignore[arg-type]


def _home_zone(clinic: object) -> str:
    if clinic is None:
        return "UTC"
    location = Location.objects.for_clinic(clinic.pk).filter(is_active=True).order_by("pk").first()  # type: ignore[attr-defined]
    return location.timezone if location else "UTC"
