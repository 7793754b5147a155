"""Who the token is: its clinic, role and scopes (any valid token may ask)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from ..auth import TokenAuth
from ..context import membership
from ..schemas.common import responses
from ..schemas.reference import MeOut

router = Router(tags=["token"])


@router.get("/me", response=responses(MeOut), auth=TokenAuth(None))
def me(request: HttpRequest) -> dict[str, Any]:
    m = membership(request)
    token = request.api_token  # type: ignore[attr-defined]
    return {
        "token_name": token.name,
        "scopes": token.scopes,
        "expires_at": token.expires_at,
        "clinic_id": m.clinic_id,
        "clinic_name": m.clinic.name,
        "membership_id": m.pk,
        "role": m.role,
        "email": m.user.email,
    }
