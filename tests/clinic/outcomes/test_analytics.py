"""Practice analytics against a small clinic worked by hand (see the numbers in each test)."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from needlepoint.clinic.accounts.models import Membership, Role, User
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.outcomes.analytics import AnalyticsError, Row, practice_analytics
from needlepoint.clinic.outcomes.services import open_adverse_event, record_score
from tests.clinic.outcomes.helpers import day, series, session
from tests.conftest import ClinicWorld

GBQ = "goodman_baron_quantitative"


@pytest.fixture
def practice(clinic_a: ClinicWorld) -> dict[str, Any]:
    """P: 10 completed + 2 no-shows, 1 session with an adverse event, series 1 completed of 2 ended,
    improvements 6, 5, −2. Q: 3 completed, improvement 4 (n = 1)."""
    w, c = clinic_a, clinic_a.clinic
    p = w.memberships["practitioner"]
    q = Membership.objects.create(
        clinic=c, user=User.objects.create_user("q@example.com", "x" * 12), role=Role.PRACTITIONER,
        display_name="Quinn",
    )  # fmt: skip
    born = date(1990, 1, 1)
    c1, c2, c3 = (
        Client.objects.create(clinic=c, first_name=n, last_name="X", date_of_birth=born, fitzpatrick=f)
        for n, f in (("One", 2), ("Two", 2), ("Three", 5))
    )
    s1, s2 = series(w, c1, sessions=4, status="completed"), series(w, c2, sessions=3, status="cancelled")
    c1_sessions = [session(w, day(30 * i), client=c1, in_series=s1, index=i) for i in range(4)]
    c2_sessions = [session(w, day(30 * i), client=c2, in_series=s2, index=i) for i in range(2)]
    session(w, day(60), client=c2, in_series=s2, index=2, status="no_show")
    c3_sessions = [session(w, day(100 + 30 * i), client=c3) for i in range(4)]
    session(w, day(300), client=c3, status="no_show")
    session(w, day(310), client=c3, status="cancelled")  # counts nowhere
    q_sessions = [session(w, day(200 + 30 * i), client=c3, practitioner=q) for i in range(3)]
    open_adverse_event(c, actor=p, client=c1, source="staff", type="bruising", appointment=c1_sessions[0])
    # A second event on the same session: the rate counts sessions, not events.
    open_adverse_event(c, actor=p, client=c1, source="staff", type="infection", appointment=c1_sessions[0])
    open_adverse_event(c, actor=p, client=c3, source="staff", type="other")  # no session: not in the rate
    for appt, v in (
        (c1_sessions[0], 20),
        (c1_sessions[3], 14),
        (c2_sessions[0], 30),
        (c2_sessions[1], 25),
        (c3_sessions[0], 10),
        (c3_sessions[2], 12),
    ):
        record_score(c, actor=p, appointment=appt, scale=GBQ, value=v, area="cheeks", indication="acne_scars")
    record_score(
        c, actor=p, appointment=q_sessions[0], scale=GBQ, value=8, area="forehead", indication="acne_scars"
    )
    record_score(
        c, actor=p, appointment=q_sessions[2], scale=GBQ, value=4, area="forehead", indication="acne_scars"
    )
    record_score(c, actor=p, appointment=c1_sessions[3], scale="client_satisfaction", value=5)
    record_score(c, actor=p, appointment=c2_sessions[1], scale="client_satisfaction", value=4)
    return {"p": p, "q": q}


def _rows(report_rows: list[Row]) -> dict[str, Row]:
    return {r.label: r for r in report_rows}


def test_per_practitioner_by_hand(clinic_a: ClinicWorld, practice: dict[str, Any]) -> None:
    rows = _rows(practice_analytics(clinic_a.clinic, dimension="practitioner", scale=GBQ).rows)
    p, q = rows[practice["p"].name], rows["Quinn"]
    assert (p.sessions_done, p.no_shows, p.ae_sessions) == (10, 2, 1)
    assert p.no_show is not None and p.no_show.estimate == pytest.approx(2 / 12)
    # Wilson 2/12, z² = 3.841459: denominator 1 + z²/12 = 1.320122; centre (1/6 + z²/24)/1.320122
    # = 0.247498; half 1.959964·√(0.011574 + 0.006669)/1.320122 = 0.200533.
    assert (p.no_show.low, p.no_show.high) == pytest.approx((0.046965, 0.448031), abs=1e-5)
    assert p.ae_rate is not None and p.ae_rate.estimate == pytest.approx(0.1)
    assert p.completion is not None and (p.series_completed, p.series_ended) == (1, 2)
    # Improvements 6, 5, −2 on a 0–84 score (improvements −84 to 84): mean 3, s² = 19; rescaled
    # p = 87/168, φ = (19/168²)/(p(1 − p)) → n/φ = 1112.7; Wilson with t(0.975, 2) = 4.302653
    # gives −7.788 to 13.690 (Student-t: 3 ± 10.828, nearly the same this far from the ends).
    i = p.improvement
    assert i is not None and (i.n, i.estimate) == (3, 3)
    assert (i.low, i.high) == pytest.approx((-7.78834, 13.69015), abs=1e-4)
    assert not i.excludes_zero and i.few
    assert p.satisfaction is not None and p.satisfaction.estimate == pytest.approx(4.5)
    assert not p.few
    assert (q.sessions_done, q.no_shows, q.completion) == (3, 0, None)
    assert q.improvement is not None and (q.improvement.n, q.improvement.estimate) == (1, 4)
    assert q.few


def test_per_fitzpatrick_and_indication(clinic_a: ClinicWorld, practice: dict[str, Any]) -> None:
    rows = _rows(practice_analytics(clinic_a.clinic, dimension="fitzpatrick", scale=GBQ).rows)
    assert (rows["II"].sessions_done, rows["II"].no_shows) == (6, 1)
    assert (rows["V"].sessions_done, rows["V"].no_shows) == (7, 1)
    assert rows["II"].improvement.estimate == 5.5  # type: ignore[union-attr]
    assert rows["V"].improvement.estimate == 1  # type: ignore[union-attr]  # (−2 + 4) / 2
    by_ind = _rows(practice_analytics(clinic_a.clinic, dimension="indication", scale=GBQ).rows)
    assert by_ind["Acne scars"].improvement.n == 4  # type: ignore[union-attr]


def test_period_filter(clinic_a: ClinicWorld, practice: dict[str, Any]) -> None:
    report = practice_analytics(clinic_a.clinic, dimension="practitioner", since=date(2026, 8, 1))
    rows = _rows(report.rows)
    assert rows["Quinn"].sessions_done == 2  # days 230 and 260 are after 1 August (day 212)
    assert rows[practice["p"].name].no_shows == 1 and rows[practice["p"].name].sessions_done == 0


def test_unknown_grouping_is_refused(clinic_a: ClinicWorld) -> None:
    with pytest.raises(AnalyticsError, match="Unknown grouping"):
        practice_analytics(clinic_a.clinic, dimension="weather")


def test_page_and_csv_are_for_owners(client: Any, clinic_a: ClinicWorld, practice: dict[str, Any]) -> None:
    client.force_login(clinic_a.users["practitioner"])
    assert client.get(reverse("analytics")).status_code == 403
    client.force_login(clinic_a.users["owner"])
    url = reverse("analytics") + "?by=practitioner&scale=goodman_baron_quantitative"
    page = client.get(url).content.decode()
    assert "Quinn" in page and "n.s." in page and "Wilson" in page
    assert client.get(reverse("analytics") + "?by=weather").status_code == 400
    export = client.get(reverse("analytics-export") + "?by=protocol")
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert rows[0]["group"] == "Microneedling face" and rows[0]["sessions_done"] == "13"
    assert rows[0]["ae_sessions"] == "1" and rows[0]["improvement_n"] == "4"
