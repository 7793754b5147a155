"""Intakes of a merged duplicate: version numbers are unique per client, so the kept client's
history is numbered again in the order the intakes were submitted (the latest intake stays the
one the plans read). When every intake of the duplicate is newer than the kept client's latest,
the kept client's numbers do not change and the duplicate's follow them."""

from __future__ import annotations

from needlepoint.clinic.clients.models import Client

from .models import Intake

_OFFSET = 1_000_000  # a free range to park versions in while renumbering


def renumber_intakes(keep: Client, merge: Client) -> None:
    theirs = list(Intake.objects.filter(client=merge).order_by("submitted_at", "version"))
    if not theirs:
        return
    ours = list(Intake.objects.filter(client=keep).order_by("submitted_at", "version"))
    if ours and theirs[0].submitted_at < ours[-1].submitted_at:
        rows = sorted(ours + theirs, key=lambda i: (i.submitted_at, i.client_id != keep.pk, i.version))
    else:
        rows = ours + theirs
    # Intake.save refuses changes (an intake is never overwritten): only the number moves.
    for i, intake in enumerate(rows, 1):
        Intake.objects.filter(pk=intake.pk).update(version=_OFFSET + i)
    for i, intake in enumerate(rows, 1):
        Intake.objects.filter(pk=intake.pk).update(version=i)
