"""The staff calendar: day view with practitioner columns, week view, per location."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from needlepoint import clock
from needlepoint.clinic.audit.services import AccessContext, record_access
from needlepoint.clinic.booking import selectors
from needlepoint.clinic.clinics.models import Location
from needlepoint.web.access import ALL_STAFF, clinic_of, staff_view


@staff_view(*ALL_STAFF)
def calendar(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    locations = list(Location.objects.for_clinic(clinic).filter(is_active=True))
    if not locations:
        return render(request, "booking/calendar.html", {"view": None, "locations": []})
    try:
        location = next(
            loc for loc in locations if str(loc.pk) == request.GET.get("location", str(locations[0].pk))
        )
    except StopIteration:
        raise Http404("No such location.") from None
    today = clock.now().astimezone(ZoneInfo(location.timezone)).date()
    try:
        day = date.fromisoformat(request.GET["date"]) if request.GET.get("date") else today
    except ValueError:
        day = today
    mode = "week" if request.GET.get("view") == "week" else "day"
    view = selectors.calendar(location, day, mode)
    record_access(AccessContext.from_request(request), client=None, action=f"view calendar ({mode})")
    step = timedelta(days=7 if mode == "week" else 1)
    return render(
        request,
        "booking/calendar.html",
        {
            "view": view,
            "locations": locations,
            "location": location,
            "day": day,
            "today": today,
            "prev": day - step,
            "next": day + step,
            "mode": mode,
        },
    )
