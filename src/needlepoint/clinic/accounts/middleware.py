"""Per-request clinic context, the staff idle timeout and the two-factor gate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from needlepoint import clock

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
    # No choice yet (a new sign-in): the clinic they joined first, their home clinic, rather than
    # whichever sorts first by name.
    return min(memberships, key=lambda m: m.pk) if memberships else None


LAST_SEEN_KEY = "needlepoint.last_seen"
#: Activity is written to the session at most this often (not a session save per request); the
#: timeout is therefore exact to within this margin.
_TOUCH_EVERY = 60.0


class IdleTimeoutMiddleware:
    """Signs staff out after NEEDLEPOINT_IDLE_TIMEOUT_MINUTES without a request (automatic
    logoff: a browser left open at the front desk). The next page asks them to sign in again,
    with a message; an htmx request gets a 401 whose HX-Redirect sends the page there."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        # The API authenticates by token, never by this session: it neither counts as activity
        # nor gets a sign-in redirect.
        if user is None or not user.is_authenticated or request.path.startswith(("/static/", "/api/")):
            return self.get_response(request)
        # Real time, like the session's own expiry: a test or simulation running the clinic
        # at a frozen instant must not sign everyone out.
        now = clock.system_now().timestamp()
        last = request.session.get(LAST_SEEN_KEY)
        limit = timedelta(minutes=settings.NEEDLEPOINT_IDLE_TIMEOUT_MINUTES).total_seconds()
        if isinstance(last, int | float) and now - last > limit:
            return self._signed_out(request)
        if not isinstance(last, int | float) or now - last >= _TOUCH_EVERY or now < last:
            request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)

    def _signed_out(self, request: HttpRequest) -> HttpResponse:
        logout(request)
        messages.info(request, "You were signed out after a period of inactivity. Please sign in again.")
        login = reverse("login")
        if request.headers.get("HX-Request"):
            response = HttpResponse("Signed out after inactivity.", status=401, content_type="text/plain")
            response["HX-Redirect"] = login
            return response
        if request.method == "GET":
            login += "?" + urlencode({"next": request.get_full_path()})
        return redirect(login)


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
