"""Risk disclosure for consent: the founding article's list plus literature additions, each
highlighted when this client's profile makes it more relevant."""

from __future__ import annotations

from .context import Context
from .models import Risk
from .screening import matches_any


def plan_risks(ctx: Context) -> list[Risk]:
    out = []
    for code, r in ctx.protocol.data.risks.items():
        hit = r.highlight_when is not None and matches_any(r.highlight_when, ctx)
        out.append(Risk(
            code=code, name=r.name, description=" ".join(r.description.split()),
            frequency=r.frequency, source_kind=r.source_kind, highlighted=hit,
            highlight_reason=r.highlight_reason if hit else None, citations=list(r.citations)))
    return out
