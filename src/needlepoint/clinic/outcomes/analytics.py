"""Practice analytics for owners: per practitioner, protocol (appointment type), indication and
Fitzpatrick type. Every figure is one aggregate SQL query per table (a few rows come back per
group, never the sessions themselves); the intervals are computed from the sums in
``statistics``.

Definitions (shown on the page):
- sessions done: completed appointments in the period;
- no-show rate: no-shows / (completed + no-shows), Wilson 95 % CI;
- completion rate: series that completed / series that ended (completed or cancelled), each
  series counted in the group of its first session (which also dates it), Wilson 95 % CI;
- adverse-event rate: completed sessions with ≥ 1 adverse event linked / sessions done, Wilson;
- mean improvement: over (client, area) chains of the chosen scale, the last score's improvement
  over the first (positive = better; GAIS: 4 − grade), 95 % CI bounded by the improvement the
  scale allows (``statistics.bounded_mean_interval``);
- satisfaction: mean of each chain's last client-reported score (1–5), bounded 95 % CI.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, Q, Sum

from needlepoint.clinic.accounts.models import Membership
from needlepoint.clinic.booking.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    Series,
    SeriesStatus,
)
from needlepoint.clinic.clinics.models import Clinic
from needlepoint.clinic.errors import InvalidInput

from .models import AdverseEvent, OutcomeScore
from .scoring import SATISFACTION, improvement_range, known_scales, scale_range
from .statistics import Interval, bounded_mean_interval, wilson_interval

DIMENSIONS: dict[str, str] = {
    "practitioner": "Practitioner",
    "protocol": "Protocol (appointment type)",
    "indication": "Indication",
    "fitzpatrick": "Fitzpatrick type",
}
# The group key, as a lookup from each table.
_APPT_KEY = {
    "practitioner": "practitioner_id",
    "protocol": "appointment_type_id",
    "indication": "series__plan__areas__indication",
    "fitzpatrick": "client__fitzpatrick",
}
_SCORE_KEY = {
    "practitioner": "practitioner_id",
    "protocol": "appointment__appointment_type_id",
    "indication": "indication",
    "fitzpatrick": "client__fitzpatrick",
}
_AE_KEY = {k: f"appointment__{v}" for k, v in _APPT_KEY.items()}
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI"}


class AnalyticsError(InvalidInput, ValueError):
    """Unknown dimension or scale; the message is shown to the owner."""


@dataclass(frozen=True)
class Row:
    key: Any
    label: str
    sessions_done: int
    no_shows: int
    no_show: Interval | None
    series_completed: int
    series_ended: int
    completion: Interval | None
    ae_sessions: int
    ae_rate: Interval | None
    improvement: Interval | None
    satisfaction: Interval | None

    @property
    def few(self) -> bool:
        """Too few sessions (or scored chains) for any figure on the row to mean much."""
        return self.sessions_done < 10


@dataclass(frozen=True)
class Report:
    dimension: str
    scale: str
    since: date | None
    until: date | None
    rows: list[Row]


def practice_analytics(
    clinic: Clinic,
    *,
    dimension: str = "practitioner",
    scale: str = "goodman_baron_quantitative",
    since: date | None = None,
    until: date | None = None,
) -> Report:
    """One row per group of ``dimension`` with the figures above; sessions are those whose start
    falls within [since, until] (dates, UTC)."""
    if dimension not in DIMENSIONS:
        raise AnalyticsError(f"Unknown grouping {dimension!r}; choose one of {', '.join(DIMENSIONS)}.")
    if scale not in known_scales() or scale == SATISFACTION:
        raise AnalyticsError(f"Unknown outcome scale {scale!r}.")
    period = _period("start", since, until)

    key = _APPT_KEY[dimension]
    # Only the indication join (plan → areas) can repeat a session; elsewhere COUNT(DISTINCT)
    # would be wasted work on 100 k rows.
    fanned_out = dimension == "indication"
    appts = (
        Appointment.objects.filter(clinic=clinic, **period)
        .values(key)
        .annotate(
            done=Count("pk", distinct=fanned_out, filter=Q(status=AppointmentStatus.COMPLETED)),
            no_show=Count("pk", distinct=fanned_out, filter=Q(status=AppointmentStatus.NO_SHOW)),
        )
        .order_by()
    )
    by_key: dict[Any, dict[str, Any]] = {r[key]: r for r in appts}
    series = _series_counts(clinic, dimension, period)

    ae_key = _AE_KEY[dimension]
    ae = {
        r[ae_key]: r["n"]
        for r in AdverseEvent.objects.filter(
            clinic=clinic,
            appointment__status=AppointmentStatus.COMPLETED,
            **{f"appointment__{k}": v for k, v in period.items()},
        )
        .values(ae_key)
        .annotate(n=Count("appointment", distinct=True))
        .order_by()
    }
    improvement = _score_sums(clinic, dimension, scale, since, until, field="improvement")
    satisfaction = _score_sums(clinic, dimension, SATISFACTION, since, until, field="value")

    gain_lo, gain_hi = improvement_range(scale)
    sat_lo, sat_hi = scale_range(SATISFACTION)
    keys = by_key | dict.fromkeys(series) | dict.fromkeys(improvement) | dict.fromkeys(satisfaction)
    labels = _labels(clinic, dimension, set(keys))
    rows = []
    for k in sorted(keys, key=_sort_key):
        r = by_key.get(k, {"done": 0, "no_show": 0})
        s_done, s_ended = series.get(k, (0, 0))
        done, no_show, ae_n = r["done"], r["no_show"], ae.get(k, 0)
        rows.append(
            Row(
                key=k,
                label=labels.get(k, "—"),
                sessions_done=done,
                no_shows=no_show,
                no_show=wilson_interval(no_show, done + no_show),
                series_completed=s_done,
                series_ended=s_ended,
                completion=wilson_interval(s_done, s_ended),
                ae_sessions=ae_n,
                ae_rate=wilson_interval(min(ae_n, done), done),
                improvement=(
                    bounded_mean_interval(*improvement[k], gain_lo, gain_hi) if k in improvement else None
                ),
                satisfaction=(
                    bounded_mean_interval(*satisfaction[k], sat_lo, sat_hi) if k in satisfaction else None
                ),
            )
        )
    return Report(dimension, scale, since, until, rows)


def _period(field: str, since: date | None, until: date | None) -> dict[str, datetime]:
    """Half-open UTC bounds on a datetime column (a range scan, not a per-row date cast)."""
    bounds: dict[str, datetime] = {}
    if since:
        bounds[f"{field}__gte"] = datetime.combine(since, time.min, tzinfo=UTC)
    if until:
        bounds[f"{field}__lt"] = datetime.combine(until + timedelta(days=1), time.min, tzinfo=UTC)
    return bounds


# A series belongs to the group of its first session (series_index 0): its practitioner,
# appointment type, plan indications, client's Fitzpatrick type.
_SERIES_KEY = {
    "practitioner": "appointments__practitioner_id",
    "protocol": "appointment_type_id",
    "indication": "plan__areas__indication",
    "fitzpatrick": "client__fitzpatrick",
}


def _series_counts(clinic: Clinic, dimension: str, period: dict[str, datetime]) -> dict[Any, tuple[int, int]]:
    """(completed, ended) series per group, counted on the series table (20 k rows, not 100 k)."""
    key = _SERIES_KEY[dimension]
    first = {"appointments__series_index": 0, **{f"appointments__{k}": v for k, v in period.items()}}
    ended = [SeriesStatus.COMPLETED, SeriesStatus.CANCELLED]
    fanned_out = dimension == "indication"
    rows = (
        Series.objects.filter(clinic=clinic, status__in=ended, **first)
        .values(key)
        .annotate(
            done=Count("pk", distinct=fanned_out, filter=Q(status=SeriesStatus.COMPLETED)),
            ended=Count("pk", distinct=fanned_out),
        )
        .order_by()
    )
    return {r[key]: (r["done"], r["ended"]) for r in rows}


def _score_sums(
    clinic: Clinic, dimension: str, scale: str, since: date | None, until: date | None, *, field: str
) -> dict[Any, tuple[int, float, float]]:
    key = _SCORE_KEY[dimension]
    qs = OutcomeScore.objects.filter(
        clinic=clinic, scale=scale, is_latest=True, **{f"{field}__isnull": False}
    )
    qs = qs.filter(**_period("session_at", since, until))
    if scale != SATISFACTION:
        # A chain of one score has no improvement yet (it is its own baseline).
        qs = qs.exclude(improvement__isnull=True)
    rows = qs.values(key).annotate(n=Count("pk"), s=Sum(field), ss=Sum(F(field) * F(field))).order_by()
    return {r[key]: (r["n"], float(r["s"] or 0), float(r["ss"] or 0)) for r in rows}


def _sort_key(k: Any) -> tuple[int, str]:
    return (1, "") if k is None or k == "" else (0, f"{k:>12}" if isinstance(k, int) else str(k))


def _labels(clinic: Clinic, dimension: str, keys: set[Any]) -> dict[Any, str]:
    ids = [k for k in keys if k is not None]
    if dimension == "practitioner":
        members = Membership.objects.filter(clinic=clinic, pk__in=ids).select_related("user")
        return {m.pk: m.name for m in members}
    if dimension == "protocol":
        return dict(AppointmentType.objects.filter(clinic=clinic, pk__in=ids).values_list("pk", "name"))
    if dimension == "fitzpatrick":
        return {k: ROMAN.get(k, str(k)) for k in ids}
    return {k: str(k).replace("_", " ").capitalize() for k in ids if k}


CSV_HEADER = [
    "group", "sessions_done", "no_shows", "no_show_rate", "no_show_low", "no_show_high",
    "series_completed", "series_ended", "completion_rate", "completion_low", "completion_high",
    "ae_sessions", "ae_rate", "ae_low", "ae_high",
    "improvement_n", "improvement_mean", "improvement_low", "improvement_high",
    "satisfaction_n", "satisfaction_mean", "satisfaction_low", "satisfaction_high", "few",
]  # fmt: skip


def csv_rows(report: Report) -> Iterable[list[str]]:
    def iv(i: Interval | None, n: bool = False) -> list[str]:
        if i is None:
            return (["0"] if n else []) + ["", "", ""]
        return ([str(i.n)] if n else []) + [f"{i.estimate:.4f}", f"{i.low:.4f}", f"{i.high:.4f}"]

    yield CSV_HEADER
    for r in report.rows:
        yield [
            r.label, str(r.sessions_done), str(r.no_shows), *iv(r.no_show),
            str(r.series_completed), str(r.series_ended), *iv(r.completion),
            str(r.ae_sessions), *iv(r.ae_rate), *iv(r.improvement, n=True), *iv(r.satisfaction, n=True),
            "yes" if r.few else "no",
        ]  # fmt: skip
