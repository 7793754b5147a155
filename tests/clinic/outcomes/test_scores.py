"""Outcome scores per session and area, their improvement chains, and the client-page chart."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.urls import reverse

from needlepoint.clinic.outcomes.models import OutcomeScore
from needlepoint.clinic.outcomes.selectors import client_chains
from needlepoint.clinic.outcomes.services import OutcomeError, record_score
from needlepoint.web.outcomes.views.chart import chain_svg
from tests.clinic.outcomes.helpers import day, session
from tests.conftest import ClinicWorld

SVG = "{http://www.w3.org/2000/svg}"


def P(world: ClinicWorld) -> Any:
    return world.memberships["practitioner"]


def test_improvement_is_against_the_first_score_even_when_entered_out_of_order(clinic_a: ClinicWorld) -> None:
    first, second, third = (session(clinic_a, day(30 * i)) for i in range(3))
    c = clinic_a.clinic
    record_score(
        c, actor=P(clinic_a), appointment=third, scale="goodman_baron_quantitative", value=12, area="cheeks"
    )
    record_score(
        c, actor=P(clinic_a), appointment=first, scale="goodman_baron_quantitative", value=20, area="cheeks"
    )
    record_score(
        c, actor=P(clinic_a), appointment=second, scale="goodman_baron_quantitative", value=16, area="cheeks"
    )
    rows = list(OutcomeScore.objects.order_by("session_at").values_list("value", "improvement", "is_latest"))
    assert rows == [(20, None, False), (16, 4, False), (12, 8, True)]
    # Re-scoring a session replaces its value and the chain follows.
    record_score(
        c, actor=P(clinic_a), appointment=first, scale="goodman_baron_quantitative", value=24, area="cheeks"
    )
    assert OutcomeScore.objects.get(appointment=third).improvement == 12


def test_quantitative_score_is_computed_from_lesion_counts(clinic_a: ClinicWorld) -> None:
    appt = session(clinic_a, day(1))
    # 12 macular (1 point × band 2) + 5 deep broad atrophic (3 × 1) = 5.
    score = record_score(
        clinic_a.clinic, actor=P(clinic_a), appointment=appt, scale="goodman_baron_quantitative",
        area="cheeks",
        detail={"counts": {"macular": 12, "deep_broad_atrophic": 5}},
    )  # fmt: skip
    assert score.value == 5


def test_gais_and_satisfaction(clinic_a: ClinicWorld) -> None:
    appt = session(clinic_a, day(1))
    gais = record_score(
        clinic_a.clinic, actor=P(clinic_a), appointment=appt, scale="gais", value=2, area="neck"
    )
    assert gais.improvement == 2  # "much improved" is two steps better than "no change" (4)
    sat = record_score(
        clinic_a.clinic,
        actor=P(clinic_a),
        appointment=appt,
        scale="client_satisfaction",
        value=5,
        area="neck",
    )
    assert sat.area == "" and sat.improvement is None


@pytest.mark.parametrize(
    ("scale", "value", "message"),
    [("goodman_baron_qualitative", 5, "not a level"), ("posas_observer", 3, "6–60"),
     ("ecca", 1, "Unknown scale"), ("gais", None, "enter a value")],
)  # fmt: skip
def test_bad_scores_are_refused(clinic_a: ClinicWorld, scale: str, value: int | None, message: str) -> None:
    with pytest.raises(OutcomeError, match=message):
        appt = session(clinic_a, day(1))
        record_score(clinic_a.clinic, actor=P(clinic_a), appointment=appt, scale=scale, value=value, area="x")
    assert not OutcomeScore.objects.exists()


def test_chart_svg_parses_and_plots_each_value(clinic_a: ClinicWorld) -> None:
    for i, v in enumerate([3, 3, 2]):
        record_score(clinic_a.clinic, actor=P(clinic_a), appointment=session(clinic_a, day(30 * i)),
                     scale="goodman_baron_qualitative", value=v, area="cheeks")  # fmt: skip
    (chain,) = client_chains(clinic_a.clinic, clinic_a.client)  # type: ignore[arg-type]
    root = ET.fromstring(chain_svg(chain, "Europe/London"))  # noqa: S314 - our own output
    points = root.findall(f"{SVG}circle")
    assert [p.get("data-value") for p in points] == ["3", "3", "2"]
    ys = [float(p.get("cy", "0")) for p in points]
    assert ys[0] == ys[1] < ys[2]  # lower grade plots lower (SVG y grows downwards)
    assert "Goodman" in (root.findtext(f"{SVG}title") or "")
    assert root.find(f"{SVG}polyline") is not None


def test_session_scores_show_on_the_client_page(client: Any, clinic_a: ClinicWorld) -> None:
    client.force_login(clinic_a.users["practitioner"])
    a1, a2 = session(clinic_a, day(0)), session(clinic_a, day(30))
    url = reverse("outcome-scores", args=[a1.pk])
    bad = client.post(url, {"area": "cheeks", "goodman_baron_qualitative": "9"})
    assert bad.status_code == 400 and not OutcomeScore.objects.exists()
    client.post(url, {"area": "cheeks", "goodman_baron_qualitative": "3", "goodman_baron_quantitative": "18"})
    second = {"area": "cheeks", "goodman_baron_quantitative": "11", "client_satisfaction": "4"}
    client.post(reverse("outcome-scores", args=[a2.pk]), second)
    assert OutcomeScore.objects.count() == 4
    page = client.get(reverse("client-detail", args=[clinic_a.client.pk])).content.decode()  # type: ignore[attr-defined]
    assert page.count('class="outcome-chart"') == 3  # qualitative, quantitative, satisfaction
    assert 'data-value="11"' in page
