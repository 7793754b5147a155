"""Owner money reports: takings, balances, deferred revenue and revenue for a period of local
days (clinic.payments.reports), each table as CSV, and reconciliation of a Stripe export."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from needlepoint.clinic.audit.services import AccessContext, record_access
from needlepoint.clinic.clinics.selectors import clinic_today
from needlepoint.clinic.errors import DomainError
from needlepoint.clinic.payments import reports
from needlepoint.clinic.permissions import Action
from needlepoint.web.access import clinic_of, membership_of, staff_view
from needlepoint.web.errors import apply_to_form

from .forms import PeriodForm, StripeExportForm, this_month


def _period(request: HttpRequest) -> tuple[PeriodForm, reports.Period | None]:
    if not request.GET:
        period = this_month(clinic_today(clinic_of(request)))
        return PeriodForm(initial={"first": period.first, "last": period.last}), period
    form = PeriodForm(request.GET)
    return form, form.cleaned_data["period"] if form.is_valid() else None


def _csv(text: str, name: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@staff_view(action=Action.MONEY_REPORTS)
def money(request: HttpRequest) -> HttpResponse:
    form, period = _period(request)
    report = None
    if period is not None:
        report = reports.money_report(clinic_of(request), period, actor=membership_of(request))
        # Balances name clients: the read is logged like the analytics page's.
        record_access(AccessContext.from_request(request), client=None, action="money reports")
    query = f"first={period.first.isoformat()}&last={period.last.isoformat()}" if period else ""
    upload = StripeExportForm(initial={"first": period.first, "last": period.last} if period else None)
    return render(
        request,
        "money_reports/money.html",
        {"form": form, "report": report, "query": query, "upload": upload, "tables": reports.TABLES},
        status=400 if form.errors else 200,
    )


@staff_view(action=Action.MONEY_REPORTS)
def money_export(request: HttpRequest) -> HttpResponse:
    _, period = _period(request)
    table = request.GET.get("table", "takings")
    if period is None or table not in reports.TABLES:
        return HttpResponse("Choose a valid period and table.", status=400, content_type="text/plain")
    report = reports.money_report(clinic_of(request), period, actor=membership_of(request))
    record_access(AccessContext.from_request(request), client=None, action=f"money export {table}")
    name = f"{table}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    return _csv(reports.to_csv(reports.csv_rows(report, table)), name)


@require_POST
@staff_view(action=Action.MONEY_REPORTS)
def reconcile(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    form = StripeExportForm(request.POST, request.FILES)
    result: reports.Reconciliation | None = None
    if form.is_valid():
        raw = form.cleaned_data["file"].read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            form.add_error("file", "The file is not UTF-8 text: download it again as CSV from Stripe.")
        else:
            try:
                rows = reports.parse_stripe_csv(text, currency=clinic.currency)
                result = reports.reconcile(
                    clinic, form.cleaned_data["period"], rows, actor=membership_of(request)
                )
            except DomainError as exc:
                apply_to_form(form, exc)
    if result is not None and request.POST.get("format") == "csv":
        period = form.cleaned_data["period"]
        return _csv(
            reports.to_csv(reports.reconciliation_csv_rows(result, clinic.currency)),
            f"stripe-reconciliation-{period.first.isoformat()}-{period.last.isoformat()}.csv",
        )
    context: dict[str, Any] = {"upload": form, "result": result, "currency": clinic.currency}
    return render(request, "money_reports/reconcile.html", context, status=400 if form.errors else 200)
