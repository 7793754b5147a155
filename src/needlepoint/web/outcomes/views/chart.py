"""Server-rendered SVG line charts of outcome scores over a series (no JavaScript needed).

One small chart per (scale, area) chain. Each chart carries a <title>/<desc> and every point a
<title> with its value, so screen readers and hover both work; the page also shows the values
as a table beside it.
"""

from __future__ import annotations

from datetime import datetime
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

from needlepoint.clinic.outcomes.selectors import Chain

WIDTH, HEIGHT = 380, 180
LEFT, RIGHT, TOP, BOTTOM = 40, 12, 28, 34


def _x(i: int, n: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + (span / 2 if n == 1 else span * i / (n - 1))


def _y(value: int, lo: int, hi: int) -> float:
    span = HEIGHT - TOP - BOTTOM
    return TOP + span * (1 - (value - lo) / ((hi - lo) or 1))


def chain_svg(chain: Chain, zone: str = "UTC") -> str:
    """An <svg> element (inline in HTML) plotting ``chain``'s values by session date."""
    tz = ZoneInfo(zone)
    lo, hi = chain.range
    n = len(chain.points)
    title = f"{chain.where}: {chain.title}"
    desc = "; ".join(f"{_day(at, tz)}: {v}" for at, v in chain.points)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="outcome-chart" role="img" width="{WIDTH}" '
        f'height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" aria-label={quoteattr(title)}>',
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>",
        f'<text x="8" y="16" font-size="11" font-weight="bold">{escape(title)}</text>',
    ]
    for tick in _ticks(lo, hi):
        y = _y(tick, lo, hi)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{tick}</text>'
        )
    coords = [(_x(i, n), _y(v, lo, hi)) for i, (_, v) in enumerate(chain.points)]
    if n > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#2a6f97" stroke-width="2"/>')
    for (x, y), (at, v) in zip(coords, chain.points, strict=True):
        parts.append(
            f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#2a6f97" data-value="{v}">'
            f"<title>{escape(_day(at, tz))}: {v}</title></circle>"
            f'<text x="{x:.1f}" y="{HEIGHT - 12}" font-size="10" text-anchor="middle">'
            f"{escape(at.astimezone(tz).strftime('%d %b'))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _day(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%Y-%m-%d")


def _ticks(lo: int, hi: int) -> list[int]:
    if hi - lo <= 6:
        return list(range(lo, hi + 1))
    step = max(1, round((hi - lo) / 4))
    return [*range(lo, hi, step), hi]
