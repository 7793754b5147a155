"""Server-rendered SVG dot-and-whisker charts of the analytics: each group's estimate (dot) with
its 95 % interval (whisker). No JavaScript and no inline style (the Content-Security-Policy
refuses both): SVG presentation attributes only, and the page's stylesheet sizes it.

Text alternatives: the <svg> is role="img" with a <title> and a <desc> that lists every group's
figures, each group is a <g> with its own <title>, and the page shows the same figures in its
table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from needlepoint.clinic.outcomes.statistics import Interval

WIDTH = 640
LABEL_W, RIGHT, TOP, ROW_H, AXIS_H = 150, 24, 30, 26, 34
COLOUR, FEW = "#2f5d8a", "#8a93a3"


@dataclass(frozen=True)
class Group:
    label: str
    interval: Interval | None


def _fmt(v: float, digits: int) -> str:
    return f"{v:.{digits}f}"


def _ticks(lo: float, hi: float) -> list[float]:
    span = hi - lo
    raw = span / 4 if span > 0 else 1.0
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    out, v = [], first
    while v <= hi + 1e-9:
        out.append(round(v, 10))
        v += step
    return out


def axis_range(groups: Sequence[Group], bounds: tuple[float, float], *, zero: bool) -> tuple[float, float]:
    """The axis: the intervals' extent (with 0 when ``zero``), padded, never past ``bounds``."""
    shown = [g.interval for g in groups if g.interval is not None]
    lo = min([i.low for i in shown] + ([0.0] if zero else []), default=bounds[0])
    hi = max([i.high for i in shown] + ([0.0] if zero else []), default=bounds[1])
    pad = (hi - lo) * 0.08 or (bounds[1] - bounds[0]) * 0.05
    return max(bounds[0], lo - pad), min(bounds[1], hi + pad)


def interval_svg(
    title: str,
    groups: Sequence[Group],
    *,
    bounds: tuple[float, float],
    zero_line: bool = False,
    digits: int = 2,
    chart_id: str = "chart",
) -> str:
    """An inline <svg> with one row per group; groups without an interval are listed as "no data"."""
    lo, hi = axis_range(groups, bounds, zero=zero_line)
    span = (hi - lo) or 1.0
    height = TOP + ROW_H * max(len(groups), 1) + AXIS_H
    plot_w = WIDTH - LABEL_W - RIGHT

    def x(v: float) -> float:
        return LABEL_W + plot_w * (min(max(v, lo), hi) - lo) / span

    def line(g: Group) -> str:
        i = g.interval
        if i is None:
            return f"{g.label}: no data"
        few = " (too few to tell)" if i.few else ""
        return (
            f"{g.label}: {_fmt(i.estimate, digits)}, 95 % interval {_fmt(i.low, digits)} "
            f"to {_fmt(i.high, digits)}, n = {i.n}{few}"
        )

    desc = "; ".join(line(g) for g in groups) or "No data."
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="interval-chart" id={quoteattr(chart_id)} '
        f'role="img" viewBox="0 0 {WIDTH} {height}" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
        f'<text x="8" y="18" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    bottom = height - AXIS_H
    for t in _ticks(lo, hi):
        tx = x(t)
        parts.append(
            f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{TOP}" y2="{bottom}" stroke="#e3e6ec"/>'
            f'<text x="{tx:.1f}" y="{bottom + 16}" font-size="11" text-anchor="middle">{t:g}</text>'
        )
    if zero_line and lo < 0 < hi:
        zx = x(0.0)
        parts.append(
            f'<line class="zero" x1="{zx:.1f}" x2="{zx:.1f}" y1="{TOP}" y2="{bottom}" '
            'stroke="#5b6475" stroke-dasharray="4 3"/>'
        )
    for row, g in enumerate(groups):
        cy = TOP + ROW_H * row + ROW_H / 2
        label = g.label if len(g.label) <= 22 else g.label[:21] + "…"
        parts.append(
            f'<g class="group"><title>{escape(line(g))}</title>'
            f'<text x="{LABEL_W - 8}" y="{cy + 4:.1f}" font-size="12" text-anchor="end">'
            f"{escape(label)}</text>"
        )
        i = g.interval
        if i is None:
            parts.append(
                f'<text x="{LABEL_W + 4}" y="{cy + 4:.1f}" font-size="11" fill="{FEW}">no data</text></g>'
            )
            continue
        colour = FEW if i.few else COLOUR
        x1, x2, cx = x(i.low), x(i.high), x(i.estimate)
        fill = "#fff" if i.few else colour
        pen = f'stroke="{colour}" stroke-width="2"'
        parts.append(
            f'<line class="whisker" x1="{x1:.1f}" x2="{x2:.1f}" y1="{cy:.1f}" y2="{cy:.1f}" {pen}/>'
            f'<line x1="{x1:.1f}" x2="{x1:.1f}" y1="{cy - 5:.1f}" y2="{cy + 5:.1f}" {pen}/>'
            f'<line x1="{x2:.1f}" x2="{x2:.1f}" y1="{cy - 5:.1f}" y2="{cy + 5:.1f}" {pen}/>'
            f'<circle class="estimate" cx="{cx:.1f}" cy="{cy:.1f}" r="5" fill="{fill}" {pen} '
            f'data-estimate="{i.estimate:.4f}" data-low="{i.low:.4f}" data-high="{i.high:.4f}"/>'
            "</g>"
        )
    parts.append(
        f'<line x1="{LABEL_W}" x2="{WIDTH - RIGHT}" y1="{bottom}" y2="{bottom}" stroke="#5b6475"/></svg>'
    )
    return "".join(parts)
