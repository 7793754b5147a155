"""Practice analytics for owners (aggregate SQL in clinic.outcomes.analytics) and its CSV export."""

from __future__ import annotations

import csv
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from needlepoint.clinic.audit.services import AccessContext, record_access
from needlepoint.clinic.outcomes.analytics import (
    DIMENSIONS,
    AnalyticsError,
    Report,
    csv_rows,
    practice_analytics,
)
from needlepoint.clinic.outcomes.scoring import scale_name
from needlepoint.clinic.outcomes.statistics import MIN_N
from needlepoint.web.access import OWNER_ONLY, clinic_of, staff_view
from needlepoint.web.outcomes.forms import AnalyticsForm


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


@staff_view(*OWNER_ONLY)
def analytics(request: HttpRequest) -> HttpResponse:
    form, report, error = _report(request)
    # Aggregates only, but over clients' treatment records: the read is logged.
    record_access(AccessContext.from_request(request), client=None, action="analytics")
    return render(
        request,
        "outcomes/analytics.html",
        {
            "form": form,
            "report": report,
            "error": error,
            "dimension_label": DIMENSIONS.get(report.dimension, "") if report else "",
            "scale_label": scale_name(report.scale) if report else "",
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
    writer = csv.writer(response)
    for row in csv_rows(report):
        writer.writerow(row)
    return response
