"""Plain-text rendering of a :class:`Plan` (the CLI's table output)."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from datetime import datetime

from .models import Plan
from .units import fmt_mm, fmt_range

WIDTH = 100


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "  ") -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]
    # The last column wraps instead of stretching the table.
    fixed = sum(widths[:-1]) + 2 * (len(widths) - 1) + len(indent)
    last = max(20, WIDTH - fixed)
    out = [indent + "  ".join(h.ljust(w) for h, w in zip(headers[:-1], widths, strict=False))
           + ("  " if len(headers) > 1 else "") + headers[-1]]
    for r in rows:
        wrapped = textwrap.wrap(r[-1], last) or [""]
        head = "  ".join(c.ljust(w) for c, w in zip(r[:-1], widths, strict=False))
        sep = "  " if len(r) > 1 else ""
        out.append(indent + head + sep + wrapped[0])
        out.extend(indent + " " * (len(head) + len(sep)) + w for w in wrapped[1:])
    return out


def _pairs(rows: Sequence[Sequence[str]], indent: str = "  ") -> list[str]:
    width = max(len(k) for k, _ in rows)
    out = []
    for k, v in rows:
        lines = textwrap.wrap(v, WIDTH - width - 2 - len(indent)) or [""]
        out.append(f"{indent}{k.ljust(width)}  {lines[0]}")
        out.extend(f"{indent}{' ' * width}  {line}" for line in lines[1:])
    return out


def _para(text: str, indent: str = "  ") -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ")


def _time(dt: datetime | None) -> str:
    return f"{dt:%Y-%m-%d %H:%M %Z}".strip() if dt else "—"


def render_plan(plan: Plan, *, explain: bool = True) -> str:
    out: list[str] = []
    title = f"Needlepoint plan · protocol {plan.protocol_id} {plan.protocol_version}"
    out += [title, "=" * len(title)]
    out.append(f"Planned on {plan.planned_on.isoformat()}"
               + (f" for client {plan.client_id}" if plan.client_id else "")
               + f" · status: {plan.status.replace('_', ' ').upper()}"
               + (f" · earliest start {plan.earliest_start.isoformat()}"
                  if plan.earliest_start else ""))

    out += ["", "Screening"]
    if plan.findings:
        rows = []
        for f in plan.findings:
            detail = f.reason
            if f.until:
                detail += f" Until {f.until.isoformat()}."
            if f.action:
                detail += f" → {f.action}"
            target = " (numbing)" if f.applies_to == "numbing" else ""
            rows.append([f.severity.value, (f.area or "all") + target, detail])
        out += _table(["SEVERITY", "AREA", "FINDING"], rows)
    else:
        out.append("  No findings.")

    if plan.removed_areas:
        out += ["", "Removed from the plan"]
        out += _table(["AREA", "INDICATION", "WHY"],
                      [[r.area, r.indication, r.reason] for r in plan.removed_areas])

    out += ["", "Depth (mm)"]
    if plan.areas:
        rows = []
        for a in plan.areas:
            d = a.depth
            ind = a.indication + (f" G{a.goodman_baron_grade}" if a.goodman_baron_grade else "")
            rows.append([a.area, ind, fmt_range(d.range_min_mm, d.range_max_mm),
                         fmt_mm(d.chosen_mm), fmt_mm(d.cap_mm), d.source])
        out += _table(["AREA", "INDICATION", "RANGE", "DEPTH", "CAP", "SOURCE"], rows)
    else:
        out.append("  Nothing can be treated.")

    for s in plan.series:
        window = f"{s.interval_min_days}–{s.interval_max_days} days"
        label = s.interval_label if window in s.interval_label else f"{s.interval_label} ({window})"
        out += ["", f"Series {s.id} · {', '.join(s.areas)} · {label} · "
                    f"{s.sessions_min}–{s.sessions_max} sessions"]
        rows = []
        for w in s.sessions:
            areas = ", ".join(a.area + ("*" if a.optional else "")
                              + (" (maint.)" if a.kind == "maintenance" else "") for a in w.areas)
            rows.append([str(w.number), w.earliest.isoformat(), w.latest.isoformat(), areas])
        out += _table(["#", "EARLIEST", "LATEST", "AREAS (* optional)"], rows)
        for t in s.touch_ups:
            until = f" to {t.latest.isoformat()}" if t.latest else ""
            out.append(f"  Then {t.label}: {', '.join(t.areas)} from {t.earliest.isoformat()}"
                       f"{until}")

    n = plan.numbing
    if n is not None:
        out += ["", "Numbing"]
        if n.agent is None:
            out += _para(n.explanation)
        else:
            out += _pairs([
                ["agent", f"{n.agent_name} · status {n.status}"],
                ["apply at", _time(n.apply_at) if n.apply_at
                 else f"{n.application_minutes} min before the start"],
                ["numb from", _time(n.ready_at) if n.ready_at else "the start"],
                ["numb until", f"{_time(n.effective_until)} (up to "
                               f"{_time(n.effective_until_latest)})" if n.effective_until
                 else f"start + {n.effect_hours_min} h (up to {n.effect_hours_max} h)"],
                ["session", f"{n.session_minutes} min, ends {_time(n.session_end)}"
                 + ("" if n.covers_session else " — LONGER than the numbing window")],
                ["surface", f"{n.surface_cm2} cm² ≈ {n.grams} g (max {n.max_area_cm2} cm², "
                            f"{n.max_grams} g) · areas {', '.join(n.areas)}"],
            ])
            for c in n.conditions:
                out += _para(f"- {c}")

    if plan.aftercare:
        out += ["", "Aftercare (hours after the session)"]
        rows = []
        for e in plan.aftercare:
            span = (f"{e.starts_after_hours}–{e.ends_after_hours} h" if e.ends_after_hours
                    is not None else f"from {e.starts_after_hours} h")
            rows.append([span, e.category, f"{e.title}: {e.text}"])
        out += _table(["WHEN", "KIND", "WHAT"], rows)

    out += ["", "Risks for consent (! = more relevant for this client)"]
    out += _table(["", "RISK", "WHAT"], [
        ["!" if r.highlighted else " ", r.name,
         r.description + (f" ({r.highlight_reason})" if r.highlight_reason else "")]
        for r in plan.risks])

    if explain:
        out += ["", "Why"]
        for x in plan.explanations:
            cites = f" [{', '.join(x.citations)}]" if x.citations else ""
            out += _para(f"- {x.text}{cites}")
    return "\n".join(out) + "\n"
