"""Client list, record, create and edit."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from needlepoint import clock
from needlepoint.clinic.audit.services import AccessContext, record_access
from needlepoint.clinic.booking.selectors import upcoming_for_client
from needlepoint.clinic.clients import selectors, services
from needlepoint.web.access import ALL_STAFF, OWNER_ONLY, clinic_of, staff_view

from .forms import ClientForm

PAGE_SIZE = 25


@staff_view(*ALL_STAFF)
def client_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    qs = selectors.search_clients(clinic_of(request), query)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    # A list of names is PHI too: one access entry per page shown.
    record_access(AccessContext.from_request(request), client=None, action="list")
    template = "clients/_rows.html" if request.htmx else "clients/list.html"  # type: ignore[attr-defined]
    return render(request, template, {"page": page, "q": query})


@staff_view(*ALL_STAFF)
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    client = selectors.client_for_read(AccessContext.from_request(request), pk)
    appointments = list(upcoming_for_client(client, clock.now()))
    for a in appointments:
        a.local_start = a.start.astimezone(ZoneInfo(a.location.timezone))  # type: ignore[attr-defined]
    return render(request, "clients/detail.html", {"client": client, "appointments": appointments})


@staff_view(*ALL_STAFF)
def client_create(request: HttpRequest) -> HttpResponse:
    form = ClientForm(request.POST or None, clinic=clinic_of(request))
    if request.method == "POST" and form.is_valid():
        client = services.save_client(form.instance, consent_changed=True)
        messages.success(request, f"{client.full_name} added.")
        return redirect("client-detail", pk=client.pk)
    return render(request, "clients/form.html", {"form": form}, status=400 if form.errors else 200)


@staff_view(*ALL_STAFF)
def client_edit(request: HttpRequest, pk: int) -> HttpResponse:
    client = selectors.client_for_read(AccessContext.from_request(request), pk)
    before = (client.consent_email, client.consent_sms)
    form = ClientForm(request.POST or None, instance=client, clinic=clinic_of(request))
    if request.method == "POST" and form.is_valid():
        updated = form.instance
        services.save_client(updated, consent_changed=before != (updated.consent_email, updated.consent_sms))
        messages.success(request, "Saved.")
        return redirect("client-detail", pk=client.pk)
    return render(
        request, "clients/form.html", {"form": form, "client": client}, status=400 if form.errors else 200
    )


@require_POST
@staff_view(*OWNER_ONLY)
def client_archive(request: HttpRequest, pk: int) -> HttpResponse:
    client = selectors.client_for_read(AccessContext.from_request(request), pk)
    services.archive_client(client)
    messages.success(request, f"{client.full_name} archived.")
    return redirect("client-list")
