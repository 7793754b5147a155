"""Accepting a staff invitation: a new person creates their account; someone who already has one
signs in as the invited address and confirms. Nothing joins a clinic before that."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from needlepoint import clock
from needlepoint.clinic import staff
from needlepoint.clinic.accounts.middleware import SESSION_KEY
from needlepoint.clinic.accounts.models import Membership, normalise_email
from needlepoint.clinic.errors import DomainError, NotAllowed, NotFound
from needlepoint.web.errors import apply_to_form
from needlepoint.web.setup.forms import AcceptInvitationForm


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = staff.open_invitation(token, now=clock.now())
    except NotFound as exc:
        return render(request, "account/invitation.html", {"gone": exc.message}, status=410)
    context: dict[str, object] = {"invitation": invitation}
    user = request.user
    if user.is_authenticated:
        if normalise_email(user.email) != invitation.email:
            context["refused"] = (
                f"You are signed in as {user.email}, but this invitation is for another email "
                "address. Sign out, then open the link again and sign in with the invited address."
            )
            return render(request, "account/invitation.html", context, status=403)
        if request.method == "POST":
            try:
                joined = staff.accept_as_user(token, user, now=clock.now())
            except DomainError as exc:
                return _refused(request, context, exc)
            return _welcome(request, joined)
        return render(request, "account/invitation.html", context)
    has_account = staff.account_exists(invitation)
    context["has_account"] = has_account
    form = AcceptInvitationForm(None if has_account else (request.POST or None))
    context["form"] = form
    if request.method == "POST" and not has_account and form.is_valid():
        try:
            joined = staff.accept_as_new_person(
                token,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                password=form.cleaned_data["password"],
                now=clock.now(),
            )
        except DomainError as exc:
            if isinstance(exc, NotFound):
                return render(request, "account/invitation.html", {"gone": exc.message}, status=410)
            apply_to_form(form, exc)
        else:
            login(request, joined.user, backend="django.contrib.auth.backends.ModelBackend")
            return _welcome(request, joined)
    return render(request, "account/invitation.html", context, status=400 if form.errors else 200)


def _refused(request: HttpRequest, context: dict[str, object], exc: DomainError) -> HttpResponse:
    if isinstance(exc, NotFound):
        return render(request, "account/invitation.html", {"gone": exc.message}, status=410)
    context["error"] = exc.message
    return render(
        request, "account/invitation.html", context, status=403 if isinstance(exc, NotAllowed) else 409
    )


def _welcome(request: HttpRequest, joined: Membership) -> HttpResponse:
    request.session[SESSION_KEY] = joined.clinic_id
    messages.success(request, f"Welcome to {joined.clinic.name}.")
    return redirect("dashboard")
