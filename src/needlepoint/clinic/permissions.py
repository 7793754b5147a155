"""Who may do what: the one place that answers "may this actor do this to this object".

Services call ``require(actor, action, obj)`` before they change anything; views, API handlers
and the portal do not decide (their decorators only sign people in). An actor is typed:

- a staff ``Membership`` (a person's role in one clinic),
- an ``ApiActor`` (a token: its holder's membership, bounded by the token's scopes),
- a ``ClientActor`` (a client signed in to the portal, or booking online),
- a ``SystemActor`` (the worker, CSV import, the demo loader), which acts for a clinic.

Objects are checked for their clinic (another clinic's object answers ``NotFound``, so nothing
about it leaks) and, for a client, for being theirs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from needlepoint.clinic.accounts.models import Membership, Role
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Clinic

from .errors import NotAllowed, NotFound

OWNER = frozenset({Role.OWNER})
TILL = frozenset({Role.OWNER, Role.FRONT_DESK})
CLINICAL = frozenset({Role.OWNER, Role.PRACTITIONER})
ALL_STAFF = frozenset({Role.OWNER, Role.PRACTITIONER, Role.FRONT_DESK})


@dataclass(frozen=True)
class ClientActor:
    """A client acting for themselves (portal, online booking)."""

    client: Client

    @property
    def clinic_id(self) -> int:
        return int(self.client.clinic_id)


@dataclass(frozen=True)
class ApiActor:
    """An API token: acts as its holder's membership, never beyond it."""

    membership: Membership
    scopes: frozenset[str] = field(default_factory=frozenset)

    @property
    def clinic_id(self) -> int:
        return int(self.membership.clinic_id)


@dataclass(frozen=True)
class SystemActor:
    """Needlepoint itself acting for a clinic (worker, import, demo). `name` says which part."""

    clinic_id: int
    name: str


Actor = Membership | ApiActor | ClientActor | SystemActor


class Action(StrEnum):
    # booking
    BOOK = "booking.book"
    CANCEL = "booking.cancel"
    WAIVE_FEE = "booking.waive_fee"
    MOVE = "booking.move"
    SET_STATUS = "booking.set_status"
    WAITLIST = "booking.waitlist"
    # the client journey
    SUBMIT_INTAKE = "intake.submit"
    DRAFT_PLAN = "plans.draft"
    CONFIRM_PLAN = "plans.confirm"
    ACKNOWLEDGE_FINDING = "plans.acknowledge_finding"
    CANCEL_PLAN = "plans.cancel"
    GENERATE_CONSENT = "consent.generate"
    SIGN_CONSENT = "consent.sign"
    WITHDRAW_CONSENT = "consent.withdraw"
    # treatment day
    CHECK_IN = "treatments.check_in"
    RECORD_NUMBING = "treatments.numbing"
    CHART = "treatments.chart"
    SIGN_CHART = "treatments.sign_chart"
    MANAGE_LOTS = "treatments.lots"
    RECALL_LOT = "treatments.recall"
    # outcomes and reviews
    RECORD_OUTCOME = "outcomes.record"
    OPEN_ADVERSE_EVENT = "outcomes.open_adverse_event"
    MANAGE_ADVERSE_EVENT = "outcomes.manage_adverse_event"
    REPORT_REACTION = "outcomes.report_reaction"
    ACKNOWLEDGE_RED_FLAG = "messaging.acknowledge_red_flag"
    SUBMIT_REVIEW = "reviews.submit"
    MODERATE_REVIEW = "reviews.moderate"
    # replies from clients: answer them, mark them handled
    ANSWER_CLIENT = "messaging.answer"
    # client records
    ARCHIVE_CLIENT = "clients.archive"
    UNARCHIVE_CLIENT = "clients.unarchive"
    MERGE_CLIENTS = "clients.merge"
    # clinic set-up
    MANAGE_CLINIC = "clinic.manage"
    # money: the front desk takes payments, owners refund and set up, every staff member sees
    # balances (a practitioner tells a client what is left on their package)
    TAKE_PAYMENT = "payments.take"
    REFUND = "payments.refund"
    READ_BALANCE = "payments.read_balance"
    PAY_ONLINE = "payments.pay_online"
    MONEY_REPORTS = "payments.reports"
    # reads: medical answers, findings, depths, notes, photos, alerts (clinic/sensitivity.py)
    READ_CLINICAL = "clinical.read"


#: Staff roles allowed per action (an API token is bounded by the same table).
STAFF_RULES: dict[Action, frozenset[str]] = {
    Action.BOOK: ALL_STAFF,
    Action.CANCEL: ALL_STAFF,
    Action.WAIVE_FEE: OWNER,
    Action.MOVE: ALL_STAFF,
    Action.SET_STATUS: ALL_STAFF,
    Action.WAITLIST: ALL_STAFF,
    Action.SUBMIT_INTAKE: ALL_STAFF,
    Action.DRAFT_PLAN: CLINICAL,
    Action.CONFIRM_PLAN: CLINICAL,
    Action.ACKNOWLEDGE_FINDING: CLINICAL,
    Action.CANCEL_PLAN: CLINICAL,
    Action.GENERATE_CONSENT: ALL_STAFF,
    Action.SIGN_CONSENT: ALL_STAFF,
    Action.WITHDRAW_CONSENT: ALL_STAFF,
    Action.CHECK_IN: ALL_STAFF,
    Action.RECORD_NUMBING: ALL_STAFF,
    Action.CHART: CLINICAL,
    Action.SIGN_CHART: CLINICAL,
    Action.MANAGE_LOTS: CLINICAL,
    Action.RECALL_LOT: OWNER,
    Action.RECORD_OUTCOME: CLINICAL,
    Action.OPEN_ADVERSE_EVENT: CLINICAL,
    Action.MANAGE_ADVERSE_EVENT: CLINICAL,
    Action.REPORT_REACTION: ALL_STAFF,
    # Seeing a red flag means reading the symptoms: a clinician's job.
    Action.ACKNOWLEDGE_RED_FLAG: CLINICAL,
    Action.SUBMIT_REVIEW: frozenset(),
    Action.MODERATE_REVIEW: OWNER,
    Action.ANSWER_CLIENT: ALL_STAFF,
    # Archiving hides a person from every list, merging moves their whole history: the owner's
    # call (a front desk that finds a duplicate asks the owner; the merge page says so).
    Action.ARCHIVE_CLIENT: OWNER,
    Action.UNARCHIVE_CLIENT: OWNER,
    Action.MERGE_CLIENTS: OWNER,
    Action.MANAGE_CLINIC: OWNER,
    Action.READ_CLINICAL: CLINICAL,
    Action.TAKE_PAYMENT: TILL,
    Action.REFUND: OWNER,
    Action.READ_BALANCE: ALL_STAFF,
    # Paying online (a deposit, saving a card) is the client's own act; staff take payments.
    Action.PAY_ONLINE: frozenset(),
    Action.MONEY_REPORTS: OWNER,
}

#: What a client may do for themselves (always only on their own records).
CLIENT_RULES: frozenset[Action] = frozenset(
    {
        Action.BOOK,
        Action.CANCEL,
        Action.MOVE,
        Action.SUBMIT_INTAKE,
        Action.SIGN_CONSENT,
        Action.WITHDRAW_CONSENT,
        Action.REPORT_REACTION,
        Action.SUBMIT_REVIEW,
        Action.PAY_ONLINE,
        Action.READ_BALANCE,
    }
)

#: What Needlepoint itself does unattended (imports, the worker, the demo).
SYSTEM_RULES: frozenset[Action] = frozenset(
    {
        Action.BOOK,
        Action.CANCEL,
        Action.SET_STATUS,
        Action.WAITLIST,
        Action.SUBMIT_INTAKE,
        Action.OPEN_ADVERSE_EVENT,
        Action.READ_CLINICAL,  # it handles every record (the worker sends the red-flag alerts)
        Action.TAKE_PAYMENT,  # deposits, fees and membership charges the worker collects
        Action.READ_BALANCE,
    }
)


def roles_for(action: Action) -> frozenset[str]:
    """The staff roles that may do `action` (for decorators and menus that hide what is refused)."""
    return STAFF_RULES[action]


def clinic_id_of(actor: Actor) -> int:
    return int(actor.clinic_id)


def membership_of(actor: Actor) -> Membership | None:
    """The staff member behind an actor (for ``created_by``/audit columns), if any."""
    if isinstance(actor, Membership):
        return actor
    if isinstance(actor, ApiActor):
        return actor.membership
    return None


def is_client(actor: Actor) -> bool:
    return isinstance(actor, ClientActor)


def _role_allows(actor: Actor, action: Action) -> bool:
    member = membership_of(actor)  # a token acts as its holder, never beyond the holder's role
    if member is not None:
        return member.is_active and member.role in STAFF_RULES[action]
    if isinstance(actor, ClientActor):
        return action in CLIENT_RULES
    return action in SYSTEM_RULES


def _owner_client_id(obj: Any) -> int | None:
    if isinstance(obj, Client):
        return int(obj.pk)
    client_id = getattr(obj, "client_id", None)
    return int(client_id) if client_id is not None else None


def _in_scope(actor: Actor, obj: Any) -> bool:
    if obj is None:
        return True
    clinic_id = obj.pk if isinstance(obj, Clinic) else getattr(obj, "clinic_id", None)
    if clinic_id is not None and int(clinic_id) != clinic_id_of(actor):
        return False
    if isinstance(actor, ClientActor) and not isinstance(obj, Clinic):
        return _owner_client_id(obj) == actor.client.pk
    return True


def may(actor: Actor, action: Action, obj: Any = None) -> bool:
    """Whether `actor` may do `action` (to `obj`, when given)."""
    return _in_scope(actor, obj) and _role_allows(actor, action)


def require(actor: Actor, action: Action, obj: Any = None, *, objs: Iterable[Any] = ()) -> None:
    """Raise ``NotFound`` for an object outside the actor's reach, ``NotAllowed`` for a role that
    may not do `action`. Services call this first."""
    for o in (obj, *objs):
        if not _in_scope(actor, o):
            raise NotFound()
    if not _role_allows(actor, action):
        raise NotAllowed(_refusal(actor, action))


def require_staff(actor: Actor, action: Action, obj: Any = None, *, objs: Iterable[Any] = ()) -> Membership:
    """``require``, for a write only a staff member does (and is recorded as doing): returns
    the membership behind the actor."""
    require(actor, action, obj, objs=objs)
    member = membership_of(actor)
    if member is None:
        raise NotAllowed(_refusal(actor, action))
    return member


def _refusal(actor: Actor, action: Action) -> str:
    if isinstance(actor, ClientActor):
        return "Please contact the clinic to do this."
    if action is Action.WAIVE_FEE:
        return "Only an owner may waive a late-cancellation fee."
    if action is Action.REFUND:
        return "Only an owner may refund money."
    names = sorted(str(Role(r).label).lower() for r in STAFF_RULES[action])
    if not names:
        return "Staff cannot do this."
    return f"Only {' or '.join(names)} staff may do this."
