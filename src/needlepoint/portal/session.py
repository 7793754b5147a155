"""The client's portal session: separate from staff sign-in (clients are not Django users).

The session holds the client id and the clinic id; every portal view re-reads the client
scoped to the clinic in the URL, so a session for one clinic is useless in another.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect

from needlepoint.clinic.audit.services import AccessContext, client_ip
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Clinic

SESSION_KEY = "portal_client"

View = Callable[..., HttpResponse]


def sign_in(request: HttpRequest, client: Client) -> None:
    request.session.cycle_key()  # no session fixation across the sign-in
    request.session[SESSION_KEY] = {"client": client.pk, "clinic": client.clinic_id}


def sign_out(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()


def session_client(request: HttpRequest, clinic: Clinic | None = None) -> Client | None:
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    if clinic is not None and data.get("clinic") != clinic.pk:
        return None
    clinic_id, client_id = data.get("clinic"), data.get("client")
    if not isinstance(clinic_id, int) or not isinstance(client_id, int):
        return None
    return (
        Client.objects.for_clinic(clinic_id)
        .filter(pk=client_id, is_archived=False)
        .select_related("clinic")
        .first()
    )


def portal_context(request: HttpRequest, client: Client) -> AccessContext:
    """Access-log context for a client reading their own record through the portal."""
    return AccessContext(
        clinic=client.clinic,
        user=None,
        path=request.get_full_path()[:300],
        remote_addr=client_ip(request),
        user_agent=request.headers.get("User-Agent", "")[:300],
    )


def client_view(view: View) -> View:
    """Portal pages: the clinic comes from the URL, the client from the session (else sign in)."""

    @wraps(view)
    def wrapper(request: HttpRequest, slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
        clinic = get_object_or_404(Clinic, slug=slug)
        client = session_client(request, clinic)
        if client is None:
            return redirect("portal-login", slug=slug)
        request.portal_client = client  # type: ignore[attr-defined]
        request.portal_clinic = clinic  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper
