"""A staff member's own API tokens: create (the secret is shown once) and revoke."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from needlepoint import clock, inputs
from needlepoint.clinic.accounts.models import ApiToken
from needlepoint.clinic.api_tokens import (
    MAX_LIFETIME,
    TokenError,
    issue_token,
    revoke_token,
    scopes_for_role,
    tokens_of,
)
from needlepoint.web.access import ALL_STAFF, membership_of, staff_view
from needlepoint.web.reauth import confirm_redirect, recently_authenticated


@staff_view(*ALL_STAFF)
def api_tokens(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request)
    context: dict[str, object] = {"max_days": MAX_LIFETIME.days}
    status = 200
    if request.method == "POST" and request.POST.get("action") == "revoke":
        raw = request.POST.get("token", "")
        token = (
            ApiToken.objects.for_clinic(membership.clinic_id)
            .filter(membership=membership, pk=inputs.parse_id(raw) or 0)
            .first()
        )
        if token is None:  # someone else's token, or another clinic's: not even confirmed to exist
            raise Http404("No such token.")
        revoke_token(token, now=clock.now())
        messages.success(request, f"Token “{token.name}” revoked: it no longer works.")
        return redirect("api-tokens")
    if request.method == "POST" and not recently_authenticated(request):
        return confirm_redirect(request)  # a new token is a new way in: password first
    if request.method == "POST":
        days = request.POST.get("expires_in_days", "").strip()
        try:
            issued = issue_token(
                membership,
                name=request.POST.get("name", "")[:100],
                scopes=request.POST.getlist("scopes"),
                now=clock.now(),
                # Anything but ASCII digits ('²', '٣', '1e3') is -1, which issue_token refuses.
                expires_in_days=None if days == "" else inputs.ascii_int(days, lo=0, hi=10**6) or -1,
            )
        except TokenError as exc:
            context["error"] = exc.message
            status = 400
        else:
            # Shown this once: only the hash is kept.
            context["secret"] = issued.secret
            context["created"] = issued.token
    context["tokens"] = tokens_of(membership)
    context["scopes"] = scopes_for_role(membership.role)
    context["now"] = clock.now()
    return render(request, "account/api_tokens.html", context, status=status)
