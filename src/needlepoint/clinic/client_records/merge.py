"""Merging a duplicate client record into the one the clinic keeps.

Every row that points at the duplicate is moved onto the kept client. The rows are found
generically, from Django's reverse relations of ``Client`` (``_meta.get_fields(include_hidden=
True)``), so a model added later is moved without anyone remembering this module;
``tests/clinic/clients/test_merge_census.py`` fails if a model with a foreign key to Client has no row
in its census or is left pointing at the duplicate.

Some tables cannot take a plain ``UPDATE``: a model whose rows are unique per client (one
conversation per client, intake version numbers) registers a **step** here from its app's
``ready()`` (``register_step``) that makes room first; the generic move then runs over what is
left. The access log is not moved: it is the append-only history of who read *that* record, and
the duplicate stays (archived, "merged into #N"), so the history still leads to the person.

Blank fields of the kept client are filled from the duplicate (an email or phone brings its
messaging consent with it); nothing the kept client has is overwritten. The duplicate is
archived and marked ``merged_into``, never deleted; both records get an audit entry naming the
actor; all of it is one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from auditlog.context import disable_auditlog
from django.db import models, transaction
from django.db.models import ForeignObjectRel

from needlepoint import clock
from needlepoint.clinic import permissions
from needlepoint.clinic.audit.services import record_change
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.errors import Conflict, InvalidInput
from needlepoint.clinic.permissions import Action, Actor

#: (model label, field name) of references that are history of the record itself, not moved.
NOT_MOVED: dict[tuple[str, str], str] = {
    ("audit.AccessLog", "client"): "who read that record: append-only, and the duplicate stays",
}

#: Fields filled on the kept client when blank there, in order.
FILLABLE = ("email", "phone", "fitzpatrick", "preferred_location")
#: A contact detail that is copied brings the consent that was given for it.
CONSENT_OF = {"email": "consent_email", "phone": "consent_sms"}

Step = Callable[[Client, Client], None]
_steps: dict[str, Step] = {}


def register_step(model: type[models.Model], step: Step) -> None:
    """`step(keep, merge)` runs before the generic move, for a model whose rows are unique per
    client; it leaves the duplicate's rows movable (or moves them itself)."""
    _steps[model._meta.label] = step


def client_references() -> list[tuple[type[models.Model], models.ForeignKey]]:
    """Every foreign key (and one-to-one) to Client, hidden reverse relations included."""
    out: list[tuple[type[models.Model], models.ForeignKey]] = []
    for rel in Client._meta.get_fields(include_hidden=True):
        if isinstance(rel, ForeignObjectRel) and isinstance(rel.field, models.ForeignKey):
            model = rel.related_model
            assert isinstance(model, type)
            out.append((model, rel.field))
    return sorted(out, key=lambda mf: (mf[0]._meta.label, mf[1].name))


@dataclass
class MergeResult:
    keep: Client
    merged: Client
    moved: dict[str, int] = field(default_factory=dict)  # "booking.Appointment.client" → rows
    filled: list[str] = field(default_factory=list)


def merge_clients(keep: Client, merge: Client, *, actor: Actor, now: datetime) -> MergeResult:
    """Move everything of `merge` onto `keep`, then archive `merge` as merged into `keep`."""
    permissions.require(actor, Action.MERGE_CLIENTS, keep, objs=[merge])
    if keep.pk == merge.pk:
        raise InvalidInput("A client cannot be merged into itself.", field="other")
    if keep.clinic_id != merge.clinic_id:
        raise InvalidInput("Clients of different clinics cannot be merged.", field="other")
    member = permissions.membership_of(actor)
    user = member.user if member is not None else None
    with transaction.atomic():
        locked = {
            c.pk: c
            for c in Client.objects.select_for_update().filter(pk__in=[keep.pk, merge.pk]).order_by("pk")
        }
        kept, gone = locked[keep.pk], locked[merge.pk]
        for c in (kept, gone):
            if c.merged_into_id is not None:
                raise Conflict(
                    f"{c.full_name} (#{c.pk}) was already merged into #{c.merged_into_id}.", code="merged"
                )
        result = MergeResult(kept, gone)
        for step in _steps.values():
            step(kept, gone)
        for model, fk in client_references():
            if (model._meta.label, fk.name) in NOT_MOVED:
                continue
            result.moved[f"{model._meta.label}.{fk.name}"] = _move(model, fk, kept, gone)
        before = {name: getattr(kept, name) for name in (*FILLABLE, *CONSENT_OF.values())}
        for name in FILLABLE:
            attname = _attname(name)
            if getattr(kept, attname) in (None, "") and getattr(gone, attname) not in (None, ""):
                setattr(kept, attname, getattr(gone, attname))
                result.filled.append(name)
                if name in CONSENT_OF:
                    setattr(kept, CONSENT_OF[name], getattr(gone, CONSENT_OF[name]))
        if (before["consent_email"], before["consent_sms"]) != (kept.consent_email, kept.consent_sms):
            kept.consent_updated_at = now
        gone.is_archived = True
        gone.merged_into = kept
        with disable_auditlog():  # the two entries below say what happened, with the actor
            kept.save()
            gone.save(update_fields=["is_archived", "merged_into", "updated_at"])
        moved = ", ".join(f"{label}: {n}" for label, n in result.moved.items() if n) or "no records"
        record_change(
            kept,
            user=user,
            changes={
                "merged_from": (None, f"#{gone.pk} {gone.full_name}"),
                **{
                    name: (before[name], getattr(kept, name))
                    for name in before
                    if before[name] != getattr(kept, name)
                },
            },
            note=f"merged #{gone.pk} into this record; moved {moved}",
        )
        record_change(
            gone,
            user=user,
            changes={"merged_into": (None, f"#{kept.pk}"), "is_archived": (False, True)},
            note=f"merged into #{kept.pk}; moved {moved}",
        )
    keep.refresh_from_db()
    merge.refresh_from_db()
    return result


def _attname(name: str) -> str:
    f = Client._meta.get_field(name)
    assert isinstance(f, models.Field)
    return f.attname


def _move(model: type[models.Model], fk: models.ForeignKey, keep: Client, gone: Client) -> int:
    rows = model._base_manager.filter(**{fk.name: gone.pk})
    if model is Client:  # records merged earlier into the duplicate now lead to the kept one
        rows = rows.exclude(pk=keep.pk)
    if fk.unique and model._base_manager.filter(**{fk.name: keep.pk}).exists() and rows.exists():
        raise Conflict(
            f"Both clients have a {model._meta.verbose_name}; only one can be kept.", code="merge_conflict"
        )
    changes: dict[str, object] = {fk.attname: keep.pk}
    stamp = next((f for f in model._meta.concrete_fields if f.name == "updated_at"), None)
    if stamp is not None and getattr(stamp, "auto_now", False):
        changes["updated_at"] = clock.system_now()  # caches that refresh by updated_at see the move
    return int(rows.update(**changes))


@dataclass(frozen=True)
class SideBySide:
    label: str
    keep: object
    other: object
    filled: bool = False  # blank on the kept client: the duplicate's value will be copied
    is_phone: bool = False


def side_by_side(keep: Client, other: Client) -> list[SideBySide]:
    """What the merge page shows: both records' details and how many rows of each kind each has."""
    rows = [
        SideBySide("Record", f"#{keep.pk}", f"#{other.pk}"),
        SideBySide("Name", keep.full_name, other.full_name),
        SideBySide("Date of birth", keep.date_of_birth, other.date_of_birth),
        SideBySide("Status", _status(keep), _status(other)),
    ]
    for name in FILLABLE:
        f = Client._meta.get_field(name)
        assert isinstance(f, models.Field)
        mine, theirs = getattr(keep, name), getattr(other, name)
        if name == "fitzpatrick":
            mine, theirs = keep.get_fitzpatrick_display(), other.get_fitzpatrick_display()
        filled = getattr(keep, f.attname) in (None, "") and getattr(other, f.attname) not in (None, "")
        rows.append(
            SideBySide(str(f.verbose_name).capitalize(), mine or "", theirs or "", filled, name == "phone")
        )
    for model, fk in client_references():
        if (model._meta.label, fk.name) in NOT_MOVED or model is Client:
            continue
        manager = model._base_manager
        n_keep, n_other = (
            manager.filter(**{fk.name: keep.pk}).count(),
            manager.filter(**{fk.name: other.pk}).count(),
        )
        if n_keep or n_other:
            rows.append(SideBySide(str(model._meta.verbose_name_plural).capitalize(), n_keep, n_other))
    return rows


def _status(c: Client) -> str:
    if c.merged_into_id is not None:
        return f"merged into #{c.merged_into_id}"
    return "archived" if c.is_archived else "active"
