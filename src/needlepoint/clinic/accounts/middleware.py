"""Per-request clinic context and the two-factor gate."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from .models import Membership
from .selectors import active_memberships

SESSION_KEY = "active_clinic_id"


class ActiveClinicMiddleware:
    """Sets request.membership / request.clinic from the clinic the user chose (or their first)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        request.clinic = None  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            membership = _choose(list(active_memberships(user)), request.session.get(SESSION_KEY))
            if membership is not None:
                request.membership = membership  # type: ignore[attr-defined]
                request.clinic = membership.clinic  # type: ignore[attr-defined]
        return self.get_response(request)


def _choose(memberships: list[Membership], wanted: object) -> Membership | None:
    for m in memberships:
        if m.clinic_id == wanted:
            return m
    return memberships[0] if memberships else None


_EXEMPT_PREFIXES = ("/static/", "/account/2fa/", "/account/logout/", "/learn/", "/portal/")


class EnforceTwoFactorMiddleware:
    """Staff who have a confirmed authenticator, or whose clinic demands one, must verify it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(_EXEMPT_PREFIXES)
        ):
            from .two_factor import confirmed_device

            if confirmed_device(user) is not None:
                return redirect(f"{reverse('2fa-verify')}?next={request.get_full_path()}")
            clinic = getattr(request, "clinic", None)
            if clinic is not None and clinic.require_two_factor:
                return redirect(reverse("2fa-setup"))
        return self.get_response(request)
