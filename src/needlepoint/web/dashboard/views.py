"""The staff home page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from needlepoint import clock
from needlepoint.clinic.accounts.selectors import practitioners_of
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Location
from needlepoint.web.access import clinic_of, staff_view
from needlepoint.web.timefmt import local_now


@staff_view()
def dashboard(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    now = clock.now()
    locations = [
        (loc, local_now(loc, now)) for loc in Location.objects.for_clinic(clinic).filter(is_active=True)
    ]
    return render(
        request,
        "dashboard.html",
        {
            "locations": locations,
            "client_count": Client.objects.for_clinic(clinic).filter(is_archived=False).count(),
            "practitioners": practitioners_of(clinic),
        },
    )
