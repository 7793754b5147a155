"""Template context shared by every staff page: the clinic switcher and navigation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from needlepoint.clinic.accounts.selectors import active_memberships


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = getattr(request, "membership", None)
    return {
        "membership": membership,
        "clinic": getattr(request, "clinic", None),
        "memberships": list(active_memberships(user)),
        "is_owner": bool(membership and membership.is_owner),
    }
