"""The one gate every staff view passes: signed in, a member of the active clinic, right role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from needlepoint.clinic.accounts.models import Membership, Role
from needlepoint.clinic.clinics.models import Clinic

ALL_STAFF = (Role.OWNER, Role.PRACTITIONER, Role.FRONT_DESK)
OWNER_ONLY = (Role.OWNER,)
CLINICAL = (Role.OWNER, Role.PRACTITIONER)

View = Callable[..., HttpResponse]


def staff_view(*roles: str) -> Callable[[View], View]:
    """Decorate a view: 403 unless the user's role in the active clinic is one of `roles`.
    Objects are then fetched with `for_clinic(request.clinic)`, so another clinic's rows 404."""
    allowed = frozenset(roles or ALL_STAFF)

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = getattr(request, "membership", None)
            if membership is None:
                raise PermissionDenied("You are not a member of any clinic.")
            if membership.role not in allowed:
                raise PermissionDenied("Your role does not allow this.")
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = allowed  # type: ignore[attr-defined]
        return login_required(wrapper)

    return decorate


def clinic_of(request: HttpRequest) -> Clinic:
    """The active clinic that ActiveClinicMiddleware put on the request (staff views only)."""
    clinic: Clinic = request.clinic  # type: ignore[attr-defined]
    return clinic


def membership_of(request: HttpRequest) -> Membership:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    return membership
