"""Aftercare timeline: events in hours after the end of each session, with clock times for a
given appointment. Wording and timings are data; only events for treated regions are kept
(make-up advice only when the face is treated)."""

from __future__ import annotations

from datetime import datetime, timedelta

from .context import Context, ResolvedArea
from .elapsed import after
from .models import AftercareEvent


def plan_aftercare(ctx: Context, areas: list[ResolvedArea], session_end: datetime | None
                   ) -> list[AftercareEvent]:
    if not areas:
        return []
    regions = {ra.spec.region for ra in areas}
    out = []
    for code, e in ctx.protocol.data.aftercare.items():
        if e.regions and regions.isdisjoint(e.regions):
            continue
        starts = ends = None
        if session_end is not None:
            starts = after(session_end, timedelta(hours=e.starts_after_hours))
            if e.ends_after_hours is not None:
                ends = after(session_end, timedelta(hours=e.ends_after_hours))
        out.append(AftercareEvent(
            code=code, title=e.title, text=" ".join(e.text.split()), category=e.category,
            starts_after_hours=e.starts_after_hours, ends_after_hours=e.ends_after_hours,
            starts_at=starts, ends_at=ends, citations=list(e.citations)))
    return out
