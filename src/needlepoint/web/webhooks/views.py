"""Owner pages for webhooks: endpoints (choose events), secret rotation, test event, delivery log."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from needlepoint.clinic.webhooks import selectors, services
from needlepoint.clinic.webhooks.models import DeliveryStatus, Event, WebhookDelivery, WebhookEndpoint
from needlepoint.web.access import OWNER_ONLY, clinic_of, staff_view
from needlepoint.web.errors import apply_to_form
from needlepoint.web.forms import HardenedForm
from needlepoint.web.reauth import require_recent_auth


class EndpointForm(HardenedForm):
    url = forms.URLField(
        label="Address (URL)",
        max_length=500,
        assume_scheme="https",
        help_text="http(s) only; addresses on this server or a private network are refused.",
    )
    description = forms.CharField(max_length=200, required=False)
    events = forms.MultipleChoiceField(choices=Event.choices, widget=forms.CheckboxSelectMultiple)
    active = forms.BooleanField(required=False, initial=True)


def _endpoint(request: HttpRequest, pk: int) -> WebhookEndpoint:
    return get_object_or_404(WebhookEndpoint.objects.for_clinic(clinic_of(request)), pk=pk)


@staff_view(*OWNER_ONLY)
def endpoint_list(request: HttpRequest) -> HttpResponse:
    return render(request, "webhooks/list.html", {"endpoints": selectors.endpoints(clinic_of(request))})


@staff_view(*OWNER_ONLY)
@require_recent_auth
def endpoint_new(request: HttpRequest) -> HttpResponse:
    return _edit(request, None)


@staff_view(*OWNER_ONLY)
@require_recent_auth
def endpoint_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, _endpoint(request, pk))


def _edit(request: HttpRequest, endpoint: WebhookEndpoint | None) -> HttpResponse:
    initial = (
        {
            "url": endpoint.url,
            "description": endpoint.description,
            "events": endpoint.events,
            "active": endpoint.active,
        }
        if endpoint
        else None
    )
    form = EndpointForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = services.save_endpoint(clinic_of(request), endpoint=endpoint, **form.cleaned_data)
            except services.WebhookError as exc:
                apply_to_form(form, exc)
            else:
                messages.success(
                    request, "Webhook saved." if endpoint else "Webhook created: copy its secret below."
                )
                return redirect("webhook-detail", pk=saved.pk)
        status = 400
    return render(request, "webhooks/form.html", {"form": form, "endpoint": endpoint}, status=status)


@staff_view(*OWNER_ONLY)
def endpoint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    status = request.GET.get("status", "") if request.GET.get("status") in DeliveryStatus.values else ""
    page = Paginator(selectors.deliveries(endpoint, status=status), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "webhooks/detail.html",
        {"endpoint": endpoint, "page": page, "status": status, "statuses": DeliveryStatus.choices},
    )


@require_POST
@staff_view(*OWNER_ONLY)
def endpoint_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = services.rotate_secret(_endpoint(request, pk))
    messages.success(request, "New secret created. The old one keeps signing alongside it for 24 hours.")
    return redirect("webhook-detail", pk=endpoint.pk)


@require_POST
@staff_view(*OWNER_ONLY)
def endpoint_test(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    try:
        services.send_test_event(endpoint)
    except services.WebhookError as exc:
        messages.error(request, exc.message)
        return redirect("webhook-detail", pk=endpoint.pk)
    messages.success(request, "Test event queued: the worker sends it within seconds.")
    return redirect("webhook-detail", pk=endpoint.pk)


@require_POST
@staff_view(*OWNER_ONLY)
def delivery_retry(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(
        WebhookDelivery.objects.for_clinic(clinic_of(request)).select_related("endpoint"), pk=pk
    )
    try:
        services.retry_now(delivery)
    except services.WebhookError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Delivery queued again.")
    return redirect("webhook-detail", pk=delivery.endpoint_id)
