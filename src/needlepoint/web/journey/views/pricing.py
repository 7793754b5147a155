"""The clinic's prices (owner) and quotes for plans (any staff)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from needlepoint.clinic.clinics.selectors import clinic_today
from needlepoint.clinic.plans.models import TreatmentPlan
from needlepoint.clinic.plans.selectors import plan_for_read
from needlepoint.clinic.pricing import selectors, services
from needlepoint.interop.pdf import render_pdf
from needlepoint.protocol import default_protocol
from needlepoint.web.access import ALL_STAFF, OWNER_ONLY, staff_view
from needlepoint.web.journey.forms import PriceListForm

from .common import clinic, ctx


@staff_view(*OWNER_ONLY)
def price_list(request: HttpRequest) -> HttpResponse:
    c = clinic(request)
    instance = services.price_list_for(c)
    packages = [
        {"name": p.name, "sessions": p.sessions, "discount_percent": p.discount_percent}
        for p in selectors.packages(c).filter(is_active=True)
    ]
    form = PriceListForm(
        request.POST or None,
        instance=instance,
        protocol=default_protocol(),
        prices=selectors.area_prices(c),
        packages=packages,
    )
    if request.method == "POST" and form.is_valid():
        services.save_price_list(form.save(commit=False), form.area_prices(), form.packages())
        messages.success(request, "Prices saved.")
        return redirect("price-list")
    return render(
        request,
        "pricing/price_list.html",
        {"form": form, "currency": c.currency},
        status=400 if form.errors else 200,
    )


def _quote(request: HttpRequest, plan_pk: int) -> tuple[TreatmentPlan, services.Quote | None, str]:
    plan = plan_for_read(ctx(request), plan_pk)
    try:
        return plan, services.quote_for_plan(plan, today=clinic_today(clinic(request))), ""
    except services.MissingPrice as exc:
        return plan, None, exc.message


@staff_view(*ALL_STAFF)
def quote_detail(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan, quote, error = _quote(request, plan_pk)
    context = {"plan": plan, "client": plan.client, "quote": quote, "error": error}
    return render(request, "pricing/quote.html", context)


@staff_view(*ALL_STAFF)
def quote_pdf(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan, quote, error = _quote(request, plan_pk)
    if quote is None:
        context = {"plan": plan, "client": plan.client, "quote": None, "error": error}
        return render(request, "pricing/quote.html", context, status=409)
    pdf = render_pdf(
        "pricing/quote_pdf.html",
        {"plan": plan, "client": plan.client, "quote": quote, "clinic_name": clinic(request).name},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="quote-plan-{plan_pk}.pdf"'
    return response
