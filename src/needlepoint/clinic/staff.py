"""Who works at a clinic: invitations to join it, and changes to a member's role or status.

Nobody is attached to a clinic without saying yes. An owner *invites* an address with a role;
the link in the email (single use, 7 days; minted by the worker when it sends the email, and only
its SHA-256 hash is stored, so no row or log holds a working link) lets a new person
create their account, or someone who already has one sign in as that address and accept. The
owner's answer is the same whatever the address, so the form tells nothing about accounts
elsewhere on the server. A clinic always keeps an active owner.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from needlepoint.clinic import events
from needlepoint.clinic.accounts.models import Invitation, Membership, Role, User, normalise_email
from needlepoint.clinic.clinics.models import Location
from needlepoint.clinic.errors import Conflict, InvalidInput, NotAllowed, NotFound
from needlepoint.clinic.permissions import Action, require

INVITATION_LIFETIME = timedelta(days=7)
PREFIX = "npi_"
LINK_GONE = (
    "This invitation link has expired, was already used or was withdrawn. "
    "Ask the clinic's owner to send a new one."
)


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def clean_name(value: str, *, field: str, label: str, required: bool = False) -> str:
    """A person's name: no line breaks or other control characters (they end up in emails and
    CSV headers), and not only spaces. Returns it stripped."""
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in value):
        raise InvalidInput(f"{label} cannot contain line breaks or control characters.", field=field)
    stripped = value.strip()
    if not stripped and (required or value):
        raise InvalidInput(f"{label} cannot be blank or only spaces.", field=field)
    return stripped


def _clean_email(raw: str) -> str:
    email = normalise_email(raw)
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidInput("Enter a valid email address.", field="email") from exc
    return email


def _new_secret() -> str:
    return PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def invite(actor: Membership, *, email: str, role: str, now: datetime) -> Invitation:
    """Invite `email` to the actor's clinic. Answers alike for any address (known on the server
    or not); only an address already on *this* clinic's staff, which the owner sees anyway, is
    refused. A new invitation replaces a pending one for the same address."""
    require(actor, Action.MANAGE_CLINIC)
    email = _clean_email(email)
    if role not in Role.values:
        raise InvalidInput("Choose a role.", field="role")
    if Membership.objects.for_clinic(actor.clinic_id).filter(user__email=email).exists():
        raise Conflict(
            "This person is already on the staff of this clinic (edit them there to change their "
            "role or reactivate them).",
            field="email",
        )
    for old in _pending(actor.clinic_id, email, now):
        old.revoked_at = now
        old.save(update_fields=["revoked_at"])
    invitation = Invitation.objects.create(
        clinic_id=actor.clinic_id,
        email=email,
        role=role,
        invited_by=actor.user,
        token_hash=_unusable_hash(),
        sent_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    events.publish(events.StaffInvited(actor.clinic_id, invitation=invitation))
    return invitation


def _pending(clinic_id: int, email: str, now: datetime) -> Iterable[Invitation]:
    return Invitation.objects.for_clinic(clinic_id).filter(
        email=email, accepted_at=None, revoked_at=None, expires_at__gt=now
    )


def pending_invitations(clinic_id: int, now: datetime) -> list[Invitation]:
    return list(
        Invitation.objects.for_clinic(clinic_id)
        .filter(accepted_at=None, revoked_at=None, expires_at__gt=now)
        .select_related("invited_by")
    )


def _still_open(invitation: Invitation) -> None:
    if invitation.accepted_at is not None:
        raise Conflict("This invitation was already accepted.")
    if invitation.revoked_at is not None:
        raise Conflict("This invitation was withdrawn.")


@transaction.atomic
def resend(actor: Membership, invitation: Invitation, *, now: datetime) -> Invitation:
    """A fresh link and 7 more days; the previous link stops working at once."""
    require(actor, Action.MANAGE_CLINIC, invitation)
    _still_open(invitation)
    invitation.token_hash = _unusable_hash()
    invitation.sent_at = now
    invitation.expires_at = now + INVITATION_LIFETIME
    invitation.save(update_fields=["token_hash", "sent_at", "expires_at"])
    events.publish(events.StaffInvited(actor.clinic_id, invitation=invitation))
    return invitation


def _unusable_hash() -> str:
    # The hash of a secret nobody keeps: the link only works once the worker mints it (mint_link).
    return hash_secret(_new_secret())


def mint_link(invitation_id: int, *, sent_at: datetime, now: datetime) -> str:
    """The secret for the invitation's emailed link, minted as the email is sent (a retry mints a
    new one, so only the latest email's link works). NotFound when the invitation was accepted,
    withdrawn, expired or re-sent (`sent_at` is the issue this email belongs to) before it went."""
    secret = _new_secret()
    minted = Invitation.objects.filter(
        pk=invitation_id, sent_at=sent_at, accepted_at=None, revoked_at=None, expires_at__gt=now
    ).update(token_hash=hash_secret(secret))
    if minted != 1:
        raise NotFound(LINK_GONE)
    return secret


@transaction.atomic
def revoke(actor: Membership, invitation: Invitation, *, now: datetime) -> Invitation:
    require(actor, Action.MANAGE_CLINIC, invitation)
    _still_open(invitation)
    invitation.revoked_at = now
    invitation.save(update_fields=["revoked_at"])
    return invitation


def open_invitation(raw: str, *, now: datetime, lock: bool = False) -> Invitation:
    """The pending invitation a link's secret stands for; expired, used, withdrawn and unknown
    links all answer the same NotFound."""
    if not raw.startswith(PREFIX) or len(raw) > 200:
        raise NotFound(LINK_GONE)
    qs = Invitation.objects.select_related("clinic")
    if lock:
        qs = qs.select_for_update(of=("self",))
    invitation = qs.filter(token_hash=hash_secret(raw)).first()
    if invitation is None or not invitation.is_pending(now):
        raise NotFound(LINK_GONE)
    return invitation


def account_exists(invitation: Invitation) -> bool:
    """Whether the invited address already has an account (shown only to the link's holder,
    who received it at that address: they must sign in rather than create one)."""
    return User.objects.filter(email=invitation.email).exists()


@transaction.atomic
def accept_as_new_person(
    raw: str, *, first_name: str, last_name: str, password: str, now: datetime
) -> Membership:
    """A person without an account accepts: their account is created with the invited address."""
    invitation = open_invitation(raw, now=now, lock=True)
    if account_exists(invitation):
        raise Conflict("An account already uses this address: sign in as it to accept the invitation.")
    first = clean_name(first_name, field="first_name", label="First name", required=True)
    last = clean_name(last_name, field="last_name", label="Last name", required=True)
    candidate = User(email=invitation.email, first_name=first, last_name=last)
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), field="password") from exc
    try:
        with transaction.atomic():  # savepoint: another clinic's invitation may win the address
            user = User.objects.create_user(invitation.email, password, first_name=first, last_name=last)
    except IntegrityError as exc:
        raise Conflict(
            "An account already uses this address: sign in as it to accept the invitation."
        ) from exc
    return _join(invitation, user, now)


@transaction.atomic
def accept_as_user(raw: str, user: User, *, now: datetime) -> Membership:
    """A signed-in person accepts: only the account with the invited address may."""
    invitation = open_invitation(raw, now=now, lock=True)
    if normalise_email(user.email) != invitation.email:
        raise NotAllowed(
            "This invitation is for another email address. Sign out, then sign in with the "
            "address the invitation was sent to."
        )
    return _join(invitation, user, now)


def _join(invitation: Invitation, user: User, now: datetime) -> Membership:
    if Membership.objects.for_clinic(invitation.clinic_id).filter(user=user).exists():
        raise Conflict("You are already on the staff of this clinic.")
    membership = Membership.objects.create(clinic_id=invitation.clinic_id, user=user, role=invitation.role)
    invitation.accepted_at = now
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


@transaction.atomic
def update_membership(
    actor: Membership,
    membership: Membership,
    *,
    role: str,
    display_name: str,
    is_active: bool,
    locations: Iterable[Location],
    now: datetime,
) -> Membership:
    """Change a member's role, name, locations or status. The clinic always keeps an active
    owner: the last one can be neither demoted nor deactivated (by themselves or anyone)."""
    require(actor, Action.MANAGE_CLINIC, membership)
    if role not in Role.values:
        raise InvalidInput("Choose a role.", field="role")
    name = clean_name(display_name, field="display_name", label="Display name")
    places = list(locations)
    if any(loc.clinic_id != membership.clinic_id for loc in places):
        raise NotFound("No such location.")
    # The stored row, not the caller's copy (a bound ModelForm has already changed that one).
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    stays_owner = role == Role.OWNER and is_active
    if membership.role == Role.OWNER and membership.is_active and not stays_owner:
        # Lock every owner row of the clinic: two owners demoting each other at once queue here.
        owners = list(
            Membership.objects.select_for_update()
            .for_clinic(membership.clinic_id)
            .filter(role=Role.OWNER, is_active=True, user__is_active=True)
            .exclude(pk=membership.pk)
        )
        if not owners:
            raise Conflict(
                "The clinic must keep an active owner: make someone else an owner before "
                + ("deactivating" if not is_active else "changing the role of")
                + " its only owner.",
                field="role" if is_active else "is_active",
            )
    membership.role = role
    membership.display_name = name
    membership.is_active = is_active
    membership.save(update_fields=["role", "display_name", "is_active"])
    membership.locations.set(places)
    return membership
