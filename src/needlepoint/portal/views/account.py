"""Portal sign-in by emailed magic link, and sign-out."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from needlepoint import clock
from needlepoint.clinic.audit.services import client_ip
from needlepoint.clinic.clinics.models import Clinic
from needlepoint.portal import services
from needlepoint.portal.forms import PortalLoginForm
from needlepoint.portal.session import session_client, sign_in, sign_out


def login(request: HttpRequest, slug: str) -> HttpResponse:
    clinic = get_object_or_404(Clinic, slug=slug)
    if session_client(request, clinic) is not None:
        return redirect("portal-home", slug=slug)
    form = PortalLoginForm(request.POST or None)
    status, sent, error = 200, False, ""
    if request.method == "POST":
        if form.is_valid():
            try:
                services.request_link(
                    clinic,
                    form.cleaned_data["email"],
                    ip=client_ip(request),
                    now=clock.now(),
                    build_url=lambda token: request.build_absolute_uri(
                        reverse("portal-redeem", kwargs={"slug": slug, "token": token})
                    ),
                )
                sent = True  # the same page whether or not the address is a client's
            except services.RateLimited as exc:
                status, error = exc.status, exc.message
        else:
            status = 400
    return render(
        request,
        "portal/login.html",
        {"form": form, "clinic": clinic, "sent": sent, "error": error, "minutes": services.LINK_MINUTES},
        status=status,
    )


def redeem(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """GET shows a button; POST uses the link. Mail scanners that follow links only GET, so they
    cannot use up a single-use link."""
    clinic = get_object_or_404(Clinic, slug=slug)
    try:
        if request.method == "POST":
            client = services.redeem_link(clinic, token, now=clock.now())
            sign_in(request, client)
            return redirect("portal-home", slug=slug)
        services.peek_link(clinic, token, now=clock.now())
    except services.LinkInvalid:
        return render(request, "portal/link_invalid.html", {"clinic": clinic}, status=400)
    return render(request, "portal/redeem.html", {"clinic": clinic})


@require_POST
def logout(request: HttpRequest, slug: str) -> HttpResponse:
    sign_out(request)
    return redirect("portal-login", slug=slug)
