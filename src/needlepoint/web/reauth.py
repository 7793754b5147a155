"""Re-authentication ("sudo mode") for sensitive owner actions.

Inviting or changing staff, the clinic's two-factor policy, creating an API token and adding or
editing a webhook need a password typed in the last few minutes (``REAUTH_WINDOW``): signing in
counts, and so does the *Confirm your password* page, which returns to the page asked for. A
session left open on a shared front-desk computer therefore cannot hand out staff access,
tokens or data feeds without the password.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from needlepoint import clock
from needlepoint.clinic.accounts.middleware import LAST_SEEN_KEY

REAUTH_WINDOW = timedelta(minutes=10)
SESSION_KEY = "needlepoint.auth_at"

View = Callable[..., HttpResponse]


def mark_authenticated(request: HttpRequest) -> None:
    """The user just proved they know the password (sign-in, or the confirm page)."""
    request.session[SESSION_KEY] = clock.system_now().timestamp()


def on_user_logged_in(sender: object, request: HttpRequest | None, user: object, **_: Any) -> None:
    if request is not None and hasattr(request, "session"):
        mark_authenticated(request)
        request.session[LAST_SEEN_KEY] = clock.system_now().timestamp()  # the idle clock starts now


def recently_authenticated(request: HttpRequest) -> bool:
    at = request.session.get(SESSION_KEY)
    if not isinstance(at, int | float):
        return False
    # Real time, as the session keeps it (see IdleTimeoutMiddleware).
    elapsed = clock.system_now().timestamp() - at
    return 0 <= elapsed <= REAUTH_WINDOW.total_seconds()


def confirm_redirect(request: HttpRequest) -> HttpResponse:
    """Send the user to confirm their password, then back here (htmx: by HX-Redirect)."""
    back = request.get_full_path() if request.method == "GET" else request.path
    url = f"{reverse('reauth')}?{urlencode({'next': back})}"
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=401)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def require_recent_auth(view: View) -> View:
    """Decorate a staff view (inside ``staff_view``): without a password typed in the last
    ``REAUTH_WINDOW``, ask for it first and come back."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not recently_authenticated(request):
            return confirm_redirect(request)
        return view(request, *args, **kwargs)

    wrapper.requires_recent_auth = True  # type: ignore[attr-defined]
    return wrapper


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("dashboard")


@login_required
def confirm_password(request: HttpRequest) -> HttpResponse:
    """Ask for the signed-in user's password. Wrong answers count towards the sign-in lockout
    (the check goes through ``authenticate``, so django-axes sees it)."""
    error = ""
    if request.method == "POST":
        user = authenticate(
            request,
            username=request.user.get_username(),
            password=request.POST.get("password", ""),
        )
        if user is not None and user.pk == request.user.pk:
            mark_authenticated(request)
            messages.success(request, "Password confirmed.")
            return redirect(_safe_next(request))
        error = "That password is not correct."
    return render(
        request,
        "account/confirm_password.html",
        {"error": error, "next": _safe_next(request)},
        status=400 if error else 200,
    )
