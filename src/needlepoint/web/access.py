"""The one gate every staff view passes: signed in, a member of the active clinic, right role.

Which roles may do what is decided in :mod:`needlepoint.clinic.permissions`; a view that changes
something names the service's action (``staff_view(action=Action.CHART)``), so the page and the
service cannot disagree. The role sets below are permissions' own, for read-only pages.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from needlepoint.clinic import permissions
from needlepoint.clinic.accounts.models import Membership
from needlepoint.clinic.clinics.models import Clinic
from needlepoint.clinic.errors import NotAllowed, NotFound
from needlepoint.clinic.permissions import Action

ALL_STAFF = tuple(sorted(permissions.ALL_STAFF))
OWNER_ONLY = tuple(sorted(permissions.OWNER))
CLINICAL = tuple(sorted(permissions.CLINICAL))

View = Callable[..., HttpResponse]


def staff_view(*roles: str, action: Action | None = None) -> Callable[[View], View]:
    """Decorate a view: 403 unless the user's role in the active clinic is one of `roles` (or,
    given `action`, one that permissions lets do it). Objects are then fetched with
    `for_clinic(request.clinic)`, so another clinic's rows 404; a service's own refusal
    (NotAllowed/NotFound from permissions) answers the same 403/404."""
    if action is not None and roles:
        raise TypeError("Give the roles or the action, not both.")
    allowed = permissions.roles_for(action) if action is not None else frozenset(roles or ALL_STAFF)

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = getattr(request, "membership", None)
            if membership is None:
                raise PermissionDenied("You are not a member of any clinic.")
            if membership.role not in allowed:
                raise PermissionDenied("Your role does not allow this.")
            try:
                return view(request, *args, **kwargs)
            except NotAllowed as exc:
                raise PermissionDenied(exc.message) from exc
            except NotFound as exc:
                raise Http404(exc.message) from exc

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
