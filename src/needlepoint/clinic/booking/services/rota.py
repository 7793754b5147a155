"""Setting a practitioner's weekly rota: one command for the whole week.

``set_weekly_rota`` replaces the practitioner's weekly shifts with the given ones in one
transaction: who may (``MANAGE_CLINIC``), each shift sane, no shift overlapping another
(``rota.check_rota``: one person, one place at a time), then only the rows that change are
deleted or created, so the audit trail (django-auditlog on ``WeeklyShift``) records what
changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction

from needlepoint.clinic.accounts.models import Membership, Role
from needlepoint.clinic.errors import InvalidInput
from needlepoint.clinic.permissions import Action, Actor, require

from ..models import WeeklyShift
from ..rota import WEEKDAY_NAMES, RotaOverlap, ShiftSpec, check_rota

__all__ = ["RotaOverlap", "ShiftSpec", "set_weekly_rota"]


def _check_shift(practitioner: Membership, spec: ShiftSpec) -> None:
    if spec.weekday not in range(7):
        raise InvalidInput(f"{spec.weekday} is not a weekday (0 = Monday … 6 = Sunday).", field="weekday")
    day = WEEKDAY_NAMES[spec.weekday]
    if spec.end <= spec.start:
        raise InvalidInput(
            f"{day}: the shift must end after it starts ({spec.start:%H:%M}–{spec.end:%H:%M}); "
            "split a shift that crosses midnight in two.",
            field="end",
        )
    if not spec.location.is_active:
        raise InvalidInput(f"{day}: {spec.location.name} is not an active location.", field="location")


def set_weekly_rota(
    practitioner: Membership, shifts: Sequence[ShiftSpec], *, actor: Actor, now: datetime
) -> list[WeeklyShift]:
    """Make `shifts` the practitioner's whole weekly rota (an empty list clears it). Refuses
    (``NotAllowed``) an actor who may not manage the clinic, (``NotFound``) a practitioner or
    location of another clinic, (``InvalidInput``) a shift that ends before it starts or a
    member who is not an active practitioner, and (``RotaOverlap``) two shifts at the same time."""
    require(actor, Action.MANAGE_CLINIC, practitioner, objs=[s.location for s in shifts])
    if practitioner.role != Role.PRACTITIONER or not practitioner.is_active:
        raise InvalidInput(
            f"{practitioner.name} is not an active practitioner: only practitioners have a rota."
        )
    for spec in shifts:
        _check_shift(practitioner, spec)
    check_rota(list(shifts), now=now)
    # The rows' audit entries (django-auditlog on WeeklyShift) name the signed-in person, as
    # for every other set-up write.
    with transaction.atomic():
        # Lock the practitioner's row: two owners saving the same week at once queue here,
        # and the second sees the first's rows.
        Membership.objects.select_for_update().filter(pk=practitioner.pk).first()
        existing = list(WeeklyShift.objects.filter(practitioner=practitioner).select_related("location"))
        wanted = {(s.weekday, s.location.pk, s.start, s.end): s for s in shifts}
        kept: list[WeeklyShift] = []
        for row in existing:
            key = (row.weekday, row.location_id, row.start, row.end)
            if key in wanted:
                wanted.pop(key)
                kept.append(row)
            else:
                row.delete()
        created = [
            WeeklyShift.objects.create(
                clinic_id=practitioner.clinic_id,
                practitioner=practitioner,
                location=spec.location,
                weekday=spec.weekday,
                start=spec.start,
                end=spec.end,
            )
            for spec in wanted.values()
        ]
    return sorted([*kept, *created], key=lambda s: (s.weekday, s.start))
