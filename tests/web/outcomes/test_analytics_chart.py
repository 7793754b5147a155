"""The analytics' dot-and-whisker charts: server-rendered SVG, no script or inline style (CSP),
text alternatives, every mark inside the plot and inside the scale's bounds."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from needlepoint.clinic.outcomes.statistics import Interval, bounded_mean_interval
from needlepoint.web.outcomes.views.interval_chart import LABEL_W, RIGHT, WIDTH, Group, interval_svg
from tests.clinic.outcomes.test_analytics import practice  # noqa: F401 — fixture
from tests.conftest import ClinicWorld

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 — our own output, under test


def test_chart_text_alternatives_and_marks() -> None:
    groups = [
        Group("Dr <Ada>", Interval(4.5, 4.1, 4.9, 30)),
        Group("Ben", Interval(3.0, 1.5, 4.4, 4)),
        Group("Cy", None),
    ]
    svg = interval_svg("Satisfaction", groups, bounds=(1.0, 5.0), chart_id="sat")
    root = _parse(svg)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "sat-title sat-desc"
    desc = root.find(f"{SVG}desc")
    assert desc is not None and desc.text is not None
    assert "Dr <Ada>: 4.50, 95 % interval 4.10 to 4.90, n = 30" in desc.text
    assert "Ben: 3.00, 95 % interval 1.50 to 4.40, n = 4 (too few to tell)" in desc.text
    assert "Cy: no data" in desc.text
    assert "<script" not in svg and "style=" not in svg and "<Ada>" not in svg  # escaped
    dots = root.findall(f".//{SVG}circle")
    assert len(dots) == 2 and dots[1].get("fill") == "#fff"  # too few: hollow
    whiskers = root.findall(f".//{SVG}line[@class='whisker']")
    for dot, whisker in zip(dots, whiskers, strict=True):
        x1, x2, cx = float(whisker.get("x1", 0)), float(whisker.get("x2", 0)), float(dot.get("cx", 0))
        assert LABEL_W <= x1 <= cx <= x2 <= WIDTH - RIGHT


@given(st.lists(st.lists(st.integers(1, 5), min_size=1, max_size=40), min_size=1, max_size=8))
def test_marks_stay_in_the_plot_for_any_data(samples: list[list[int]]) -> None:
    groups = [
        Group(f"G{i}", bounded_mean_interval(len(xs), sum(xs), sum(x * x for x in xs), 1, 5))
        for i, xs in enumerate(samples)
    ]
    root = _parse(interval_svg("S", groups, bounds=(1.0, 5.0)))
    for line in root.findall(f".//{SVG}line[@class='whisker']"):
        assert LABEL_W <= float(line.get("x1", 0)) <= float(line.get("x2", 0)) <= WIDTH - RIGHT
    texts = [t.text or "" for t in root.findall(f"{SVG}text")]
    ticks = [float(t) for t in texts if re.fullmatch(r"-?[\d.]+", t)]
    assert all(1 <= t <= 5 for t in ticks)


def test_the_analytics_page_shows_the_charts(
    client: Any,
    clinic_a: ClinicWorld,
    practice: dict[str, Any],  # noqa: F811
) -> None:
    client.force_login(clinic_a.users["owner"])  # type: ignore[arg-type]
    page = client.get(reverse("analytics") + "?by=practitioner&scale=goodman_baron_quantitative")
    body = page.content.decode()
    assert page.status_code == 200
    for chart in ("chart-improvement", "chart-satisfaction", "chart-ae-rate"):
        m = re.search(rf'<svg [^>]*id="{chart}".*?</svg>', body, re.S)
        assert m, chart
        root = _parse(m.group(0))
        assert root.find(f"{SVG}title") is not None and root.find(f"{SVG}desc") is not None
    sat = re.search(r'<svg [^>]*id="chart-satisfaction".*?</svg>', body, re.S)
    assert sat is not None
    for dot in _parse(sat.group(0)).findall(f".//{SVG}circle"):
        assert 1 <= float(dot.get("data-low", 0)) <= float(dot.get("data-high", 0)) <= 5
    assert "Quinn" in body and "never runs past the ends of its scale" in body
