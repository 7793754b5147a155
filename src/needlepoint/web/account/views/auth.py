"""Sign-in, two-factor enrolment and verification, clinic switching."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from needlepoint import inputs
from needlepoint.clinic.accounts import two_factor
from needlepoint.clinic.accounts.middleware import SESSION_KEY
from needlepoint.clinic.accounts.selectors import active_memberships


def _safe_next(request: HttpRequest, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    if two_factor.confirmed_device(user) is not None:  # type: ignore[arg-type]
        messages.info(request, "You already use an authenticator app.")
        return redirect("dashboard")
    device = two_factor.pending_device(user)  # type: ignore[arg-type]
    error = ""
    if request.method == "POST":
        if two_factor.confirm(device, request.POST.get("token", "")):
            otp_login(request, device)
            messages.success(request, "Two-factor sign-in is on.")
            return redirect("dashboard")
        error = "That code did not match. Check the time on your phone and try the newest code."
    return render(
        request,
        "account/2fa_setup.html",
        {
            "qr_svg": two_factor.provisioning_svg(device),
            "secret": two_factor.secret_base32(device),
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    device = two_factor.confirmed_device(request.user)  # type: ignore[arg-type]
    if device is None:
        return redirect("2fa-setup")
    error = ""
    if request.method == "POST":
        token = request.POST.get("token", "").strip().replace(" ", "")
        verified, _ = device.verify_is_allowed()
        if verified and device.verify_token(token):
            otp_login(request, device)
            return redirect(_safe_next(request))
        error = "That code is not valid (or too many tries: wait a minute)."
    return render(
        request,
        "account/2fa_verify.html",
        {"error": error, "next": _safe_next(request)},
        status=400 if error else 200,
    )


@require_POST
@login_required
def switch_clinic(request: HttpRequest) -> HttpResponse:
    wanted = inputs.parse_id(request.POST.get("clinic", ""))
    if wanted is None:
        return HttpResponseBadRequest("Choose a clinic.")
    membership = active_memberships(request.user).filter(clinic_id=wanted).first()  # type: ignore[arg-type]
    if membership is None:
        # Same answer whether the clinic exists or not: no probing of other clinics.
        return HttpResponseBadRequest("You are not a member of that clinic.")
    request.session[SESSION_KEY] = membership.clinic_id
    messages.success(request, f"Now working in {membership.clinic.name}.")
    return redirect("dashboard")


def healthz(request: HttpRequest) -> HttpResponse:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
