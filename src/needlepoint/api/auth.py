"""The API's one authentication class: a staff member's bearer token, checked per operation
for a scope, and for the role the token's membership holds now."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress

from auditlog.context import auditlog_value
from django.http import HttpRequest
from ninja.security import HttpBearer

from needlepoint import clock
from needlepoint.clinic.accounts.models import ApiToken, Role
from needlepoint.clinic.api_tokens import SCOPES, active_token, allows, lacks_required_two_factor
from needlepoint.clinic.permissions import ApiActor

from .errors import ApiError


class TokenAuth(HttpBearer):
    """`Authorization: Bearer np_…`. Unknown, revoked or expired → 401; a token without the
    operation's scope, or whose role may not use it, or whose holder lacks the two-factor
    sign-in their clinic requires → 403."""

    def __init__(self, scope: str | None, roles: Iterable[str] | None = None) -> None:
        """`scope` None: any valid token will do (e.g. to ask who it belongs to)."""
        if scope is not None and scope not in SCOPES:
            raise ValueError(f"Unknown scope {scope!r}")
        self.scope = scope
        self.roles = frozenset(roles) if roles is not None else SCOPES.get(scope or "", frozenset(Role))
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = active_token(token, now=clock.now())
        if found is None:
            return None
        membership = found.membership
        if lacks_required_two_factor(found):
            raise ApiError(
                403,
                "two_factor_required",
                "This clinic requires two-factor sign-in: the token's holder must set up an "
                "authenticator app in Needlepoint before this token works again.",
            )
        if self.scope is not None and not allows(found, self.scope):
            if self.scope not in found.scopes:
                raise ApiError(403, "insufficient_scope", f"This token lacks the scope {self.scope}.")
            raise ApiError(403, "forbidden", "Your role does not allow this.")
        if membership.role not in self.roles:
            raise ApiError(403, "forbidden", "Your role does not allow this.")
        # The rest of the stack (access log, services, audit trail) reads these like a web request.
        request.user = membership.user
        request.membership = membership  # type: ignore[attr-defined]
        request.clinic = membership.clinic  # type: ignore[attr-defined]
        request.api_token = found  # type: ignore[attr-defined]
        request.api_actor = ApiActor(membership, frozenset(found.scopes))  # type: ignore[attr-defined]
        with suppress(LookupError):  # no audit context outside a request
            auditlog_value.get()["actor"] = membership.user  # the middleware ran before we knew
        return found


def requires(scope: str, *, roles: Iterable[Role] | None = None) -> TokenAuth:
    return TokenAuth(scope, roles)
