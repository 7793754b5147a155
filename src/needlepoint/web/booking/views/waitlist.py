"""The waitlist: who wants an earlier slot, and the offers made to them."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from needlepoint import clock
from needlepoint.clinic.audit.services import AccessContext, record_access
from needlepoint.clinic.booking import selectors, services
from needlepoint.clinic.booking.models import WaitlistEntry
from needlepoint.clinic.clients.selectors import client_for_read
from needlepoint.clinic.errors import DomainError
from needlepoint.web.access import ALL_STAFF, clinic_of, membership_of, staff_view
from needlepoint.web.booking.forms import WaitlistForm, refuse


@staff_view(*ALL_STAFF)
def waitlist(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    services.expire_offers(clinic.pk, now=clock.now())
    record_access(AccessContext.from_request(request), client=None, action="list waitlist")
    return render(request, "booking/waitlist.html", {"entries": selectors.open_waitlist(clinic)})


@staff_view(*ALL_STAFF)
def waitlist_add(request: HttpRequest, client_pk: int) -> HttpResponse:
    client = client_for_read(AccessContext.from_request(request), client_pk)
    form = WaitlistForm(request.POST or None, clinic=clinic_of(request))
    form.instance.client = client
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.add_to_waitlist(
                client,
                d["appointment_type"],
                d["earliest"],
                d["latest"],
                actor=membership_of(request),
                location=d.get("location"),
                practitioner=d.get("practitioner"),
            )
        except (DomainError, services.BookingError) as exc:
            refuse(form, exc)
        else:
            messages.success(request, f"{client.full_name} is on the waitlist.")
            return redirect("waitlist")
    return render(
        request,
        "booking/waitlist_add.html",
        {"form": form, "client": client},
        status=400 if form.errors else 200,
    )


@require_POST
@staff_view(*ALL_STAFF)
def waitlist_accept(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(WaitlistEntry.objects.for_clinic(clinic_of(request)), pk=pk)
    try:
        appt = services.accept_offer(entry, actor=membership_of(request), now=clock.now())
    except (DomainError, services.BookingError) as exc:
        messages.error(request, str(exc))
        return redirect("waitlist")
    messages.success(request, "Booked from the waitlist.")
    return redirect("appointment-detail", pk=appt.pk)
