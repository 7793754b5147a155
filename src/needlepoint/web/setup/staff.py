"""The owner's staff pages: members, invitations (send, resend, revoke) and a member's role.

Every write goes through ``clinic.staff`` (who may, the last-owner rule, names); each page that
hands out or changes access asks for a recently typed password (``require_recent_auth``).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from needlepoint import clock
from needlepoint.clinic import staff
from needlepoint.clinic.accounts.models import Invitation, Membership
from needlepoint.clinic.errors import DomainError
from needlepoint.web.access import OWNER_ONLY, clinic_of, membership_of, staff_view
from needlepoint.web.errors import apply_to_form
from needlepoint.web.reauth import require_recent_auth

from .forms import InviteForm, MembershipForm


def _sent_message(request: HttpRequest, invitation: Invitation) -> None:
    # The worker sends it: the answer is the same whatever the address and the mail server's mood.
    messages.success(request, f"Invitation sent to {invitation.email}.")


@staff_view(*OWNER_ONLY)
def staff_list(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    members = Membership.objects.for_clinic(clinic).select_related("user").prefetch_related("locations")
    return render(
        request,
        "setup/staff_list.html",
        {"members": members, "invitations": staff.pending_invitations(clinic.pk, clock.now())},
    )


@staff_view(*OWNER_ONLY)
@require_recent_auth
def staff_invite(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = staff.invite(
                membership_of(request),
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                now=clock.now(),
            )
        except DomainError as exc:
            apply_to_form(form, exc)
        else:
            _sent_message(request, invitation)
            return redirect("staff-list")
    return render(
        request,
        "setup/staff_form.html",
        {"form": form, "submit": "Send invitation"},
        status=400 if form.errors else 200,
    )


@staff_view(*OWNER_ONLY)
@require_recent_auth
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    clinic = clinic_of(request)
    member = get_object_or_404(Membership.objects.for_clinic(clinic).select_related("user"), pk=pk)
    form = MembershipForm(request.POST or None, instance=member, clinic=clinic)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            staff.update_membership(
                membership_of(request),
                member,
                role=data["role"],
                display_name=data.get("display_name") or "",
                is_active=bool(data.get("is_active")),
                locations=data.get("locations") or [],
                now=clock.now(),
            )
        except DomainError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, "Saved.")
            return redirect("staff-list")
    return render(
        request,
        "setup/staff_form.html",
        {"form": form, "object": member, "submit": "Save"},
        status=400 if form.errors else 200,
    )


def _invitation(request: HttpRequest, pk: int) -> Invitation:
    return get_object_or_404(
        Invitation.objects.for_clinic(clinic_of(request)).select_related("clinic"), pk=pk
    )


@require_POST
@staff_view(*OWNER_ONLY)
@require_recent_auth
def invitation_resend(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        invitation = staff.resend(membership_of(request), _invitation(request, pk), now=clock.now())
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        _sent_message(request, invitation)
    return redirect("staff-list")


@require_POST
@staff_view(*OWNER_ONLY)
@require_recent_auth
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        revoked = staff.revoke(membership_of(request), _invitation(request, pk), now=clock.now())
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Invitation to {revoked.email} revoked: its link no longer works.")
    return redirect("staff-list")


urlpatterns = [
    path("staff/", staff_list, name="staff-list"),
    path("staff/new/", staff_invite, name="staff-create"),
    path("staff/<int:pk>/edit/", staff_edit, name="staff-edit"),
    path("staff/invitations/<int:pk>/resend/", invitation_resend, name="staff-invitation-resend"),
    path("staff/invitations/<int:pk>/revoke/", invitation_revoke, name="staff-invitation-revoke"),
]
