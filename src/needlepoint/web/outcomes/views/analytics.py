"""Practice analytics for owners (aggregate SQL in clinic.outcomes.analytics) and its CSV export."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString, mark_safe

from needlepoint.clinic.audit.services import AccessContext, record_access
from needlepoint.clinic.outcomes.analytics import (
    DIMENSIONS,
    AnalyticsError,
    Report,
    csv_rows,
    practice_analytics,
)
from needlepoint.clinic.outcomes.scoring import SATISFACTION, improvement_range, scale_name, scale_range
from needlepoint.clinic.outcomes.statistics import MIN_N
from needlepoint.interop import csv_writer
from needlepoint.web.access import OWNER_ONLY, clinic_of, staff_view
from needlepoint.web.outcomes.forms import AnalyticsForm

from .interval_chart import Group, interval_svg


def _report(request: HttpRequest) -> tuple[AnalyticsForm, Report | None, str]:
    form = AnalyticsForm(request.GET or None)
    if request.GET and not form.is_valid():
        return form, None, "Check the filters."
    data: dict[str, Any] = form.cleaned_data if request.GET else {}
    try:
        report = practice_analytics(
            clinic_of(request),
            dimension=data.get("by") or "practitioner",
            scale=data.get("scale") or "goodman_baron_quantitative",
            since=data.get("since"),
            until=data.get("until"),
        )
    except AnalyticsError as exc:
        return form, None, exc.message
    return form, report, ""


def _charts(report: Report, scale_label: str) -> list[SafeString]:
    """Dot-and-whisker charts of the report's means and adverse-event rate (escaped SVG)."""
    rows = report.rows
    charts = [
        interval_svg(
            f"Mean improvement, {scale_label} (positive = better)",
            [Group(r.label, r.improvement) for r in rows],
            bounds=tuple(map(float, improvement_range(report.scale))),  # type: ignore[arg-type]
            zero_line=True,
            chart_id="chart-improvement",
        ),
        interval_svg(
            "Satisfaction, 1–5 (higher is better)",
            [Group(r.label, r.satisfaction) for r in rows],
            bounds=tuple(map(float, scale_range(SATISFACTION))),  # type: ignore[arg-type]
            chart_id="chart-satisfaction",
        ),
        interval_svg(
            "Adverse-event rate (sessions with an event)",
            [Group(r.label, r.ae_rate) for r in rows],
            bounds=(0.0, 1.0),
            digits=3,
            chart_id="chart-ae-rate",
        ),
    ]
    return [mark_safe(c) for c in charts]  # noqa: S308 — built from escaped text only


@staff_view(*OWNER_ONLY)
def analytics(request: HttpRequest) -> HttpResponse:
    form, report, error = _report(request)
    # Aggregates only, but over clients' treatment records: the read is logged.
    record_access(AccessContext.from_request(request), client=None, action="analytics")
    scale_label = scale_name(report.scale) if report else ""
    return render(
        request,
        "outcomes/analytics.html",
        {
            "form": form,
            "report": report,
            "error": error,
            "dimension_label": DIMENSIONS.get(report.dimension, "") if report else "",
            "scale_label": scale_label,
            "charts": _charts(report, scale_label) if report and report.rows else [],
            "min_n": MIN_N,
            "query": request.GET.urlencode(),
        },
        status=400 if error else 200,
    )


@staff_view(*OWNER_ONLY)
def analytics_export(request: HttpRequest) -> HttpResponse:
    _, report, error = _report(request)
    if report is None:
        return HttpResponse(error, status=400, content_type="text/plain")
    record_access(AccessContext.from_request(request), client=None, action="analytics_export")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="analytics-{report.dimension}.csv"'
    csv_writer.writer(response).writerows(csv_rows(report))
    return response
