"""Per-staff API tokens: scopes, issuing, revoking and checking a presented token.

A token is `np_` + 40 random URL-safe characters. Only its SHA-256 hash is stored: the token has
~240 bits of entropy, so a fast hash is enough (no dictionary to attack) and lookup is one
indexed equality. What a token may do is the intersection of its scopes and what its
membership's role allows *now* (a demoted member's old token loses the clinical scopes).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from needlepoint.clinic.accounts.models import ApiToken, Membership
from needlepoint.clinic.accounts.two_factor import confirmed_device
from needlepoint.clinic.errors import InvalidInput
from needlepoint.clinic.permissions import ALL_STAFF, CLINICAL, Action, roles_for

#: Every scope, with the roles that may hold it: the role sets of the actions it opens, from
#: permissions (so a token never carries a scope its holder's role could not use).
SCOPES: dict[str, frozenset[str]] = {
    "clients:read": ALL_STAFF,
    "clients:write": ALL_STAFF,
    "intakes:read": ALL_STAFF,
    "intakes:write": roles_for(Action.SUBMIT_INTAKE),
    "plans:read": ALL_STAFF,
    "plans:write": roles_for(Action.DRAFT_PLAN),
    "appointments:read": ALL_STAFF,
    "appointments:write": roles_for(Action.BOOK),
    "messages:read": ALL_STAFF,
    "charts:read": CLINICAL,
    "charts:write": roles_for(Action.CHART),
    "photos:read": CLINICAL,
    "photos:write": roles_for(Action.CHART),
    "outcomes:read": CLINICAL,
    "outcomes:write": roles_for(Action.RECORD_OUTCOME),
    "adverse_events:read": CLINICAL,
    "adverse_events:write": roles_for(Action.MANAGE_ADVERSE_EVENT),
    "reviews:read": ALL_STAFF,
    "reviews:write": roles_for(Action.MODERATE_REVIEW),
    "payments:read": roles_for(Action.READ_BALANCE),
    "payments:write": roles_for(Action.TAKE_PAYMENT),
    "payments:refund": roles_for(Action.REFUND),
}
PREFIX = "np_"
MAX_LIFETIME = timedelta(days=366)


class TokenError(InvalidInput, ValueError):
    """A token request that cannot be honoured; the message is fit to show."""


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def scopes_for_role(role: str) -> list[str]:
    return [s for s, roles in SCOPES.items() if role in roles]


def issue_token(
    membership: Membership,
    *,
    name: str,
    scopes: Iterable[str],
    now: datetime,
    expires_in_days: int | None = 90,
) -> IssuedToken:
    wanted = sorted(set(scopes))
    name = name.strip()
    if not name:
        raise TokenError("Give the token a name (what it is for).")
    if not wanted:
        raise TokenError("Choose at least one scope.")
    unknown = [s for s in wanted if s not in SCOPES]
    if unknown:
        raise TokenError(f"Unknown scope: {', '.join(unknown)}.")
    beyond = [s for s in wanted if membership.role not in SCOPES[s]]
    if beyond:
        raise TokenError(f"Your role cannot use: {', '.join(beyond)}.")
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_LIFETIME.days:
        raise TokenError(f"A token lasts from 1 to {MAX_LIFETIME.days} days.")
    secret = PREFIX + secrets.token_urlsafe(30)
    token = ApiToken.objects.create(
        clinic_id=membership.clinic_id,
        membership=membership,
        name=name[:100],
        prefix=secret[:10],
        token_hash=hash_token(secret),
        scopes=wanted,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    return IssuedToken(token, secret)


def revoke_token(token: ApiToken, *, now: datetime) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = now
        token.save(update_fields=["revoked_at"])
    return token


def tokens_of(membership: Membership) -> list[ApiToken]:
    return list(ApiToken.objects.for_clinic(membership.clinic_id).filter(membership=membership))


def active_token(raw: str, *, now: datetime) -> ApiToken | None:
    """The live token `raw` stands for (None if unknown, revoked, expired, or its holder left)."""
    if not raw.startswith(PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("membership__user", "membership__clinic", "clinic")
        .filter(token_hash=hash_token(raw))
        .first()
    )
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    m = token.membership
    if not (m.is_active and m.user.is_active):
        return None
    # One write a minute at most: "last used" is for people, not a per-request log.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def lacks_required_two_factor(token: ApiToken) -> bool:
    """The token's clinic requires two-factor sign-in and its holder has no confirmed
    authenticator. Such a token is refused (403) until they enrol: a password alone must not
    keep API access that the clinic no longer grants to a password alone on the web. Tokens
    created before the policy changed are covered too, since this is checked at each use."""
    if not token.clinic.require_two_factor:
        return False
    return confirmed_device(token.membership.user) is None


def allows(token: ApiToken, scope: str) -> bool:
    """The token carries the scope and its holder's current role may use it."""
    return scope in token.scopes and token.membership.role in SCOPES.get(scope, frozenset())
