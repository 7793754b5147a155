"""The staff calendar per location: day (a column per practitioner), week and month views, and
booking from an empty slot (pick the client, then the usual booking page, prefilled)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from needlepoint import clock, inputs
from needlepoint.clinic.accounts.models import Membership, Role
from needlepoint.clinic.audit.services import AccessContext, record_access
from needlepoint.clinic.booking import calendar_grid
from needlepoint.clinic.clients.selectors import search_clients
from needlepoint.clinic.clinics.models import Location
from needlepoint.web.access import ALL_STAFF, clinic_of, staff_view
from needlepoint.web.query import INVALID, query_date, query_id

MODES = ("day", "week", "month")


def _location(request: HttpRequest, locations: list[Location]) -> Location:
    wanted = request.GET.get("location", str(locations[0].pk))
    try:
        return next(loc for loc in locations if str(loc.pk) == wanted)
    except StopIteration:
        raise Http404("No such location.") from None


def _shift(day: date, mode: str, forward: bool) -> date:
    if mode == "month":
        first = day.replace(day=1)
        return (
            (first + timedelta(days=32)).replace(day=1)
            if forward
            else (first - timedelta(days=1)).replace(day=1)
        )
    step = timedelta(days=7 if mode == "week" else 1)
    return day + step if forward else day - step


@staff_view(*ALL_STAFF)
def calendar(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    locations = list(Location.objects.for_clinic(clinic).filter(is_active=True))
    if not locations:
        return render(request, "booking/calendar.html", {"view": None, "locations": []})
    location = _location(request, locations)
    today = clock.today(location.timezone)
    day = query_date(request, "date")
    if day is INVALID:
        return render(
            request,
            "booking/calendar.html",
            {"view": None, "locations": locations, "error": inputs.DATE_RANGE_MESSAGE},
            status=400,
        )
    day = day or today
    mode = request.GET.get("view", "day")
    mode = mode if mode in MODES else "day"
    context: dict[str, object] = {
        "locations": locations,
        "location": location,
        "day": day,
        "today": today,
        "prev": _shift(day, mode, False),
        "next": _shift(day, mode, True),
        "mode": mode,
        "modes": MODES,
    }
    if mode == "month":
        context.update(view=True, weeks=calendar_grid.month(location, day))
    else:
        context["view"] = calendar_grid.calendar(location, day, mode)
    record_access(AccessContext.from_request(request), client=None, action=f"view calendar ({mode})")
    return render(request, "booking/calendar.html", context)


@staff_view(*ALL_STAFF)
def calendar_book(request: HttpRequest) -> HttpResponse:
    """An empty slot was clicked: choose the client, then book one session or a series there."""
    clinic = clinic_of(request)
    locations = list(Location.objects.for_clinic(clinic).filter(is_active=True))
    if not locations:
        raise Http404("No such location.")
    location = _location(request, locations)
    try:
        start = datetime.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        raise Http404("No such time.") from None
    if start.tzinfo is None or not 1900 <= start.year <= 2199:  # astimezone overflows at year 1
        raise Http404("No such time.")
    local = start.astimezone(ZoneInfo(location.timezone))
    wanted = query_id(request, "practitioner")
    practitioner = (
        Membership.objects.for_clinic(clinic)
        .filter(role=Role.PRACTITIONER, is_active=True, pk=wanted)
        .select_related("user")
        .first()
        if isinstance(wanted, int)
        else None
    )
    query = request.GET.get("q", "").strip()[:100]
    clients = list(search_clients(clinic, query)[:20]) if query else []
    if query:
        record_access(AccessContext.from_request(request), client=None, action="list")
    prefill = {
        "location": location.pk,
        "first_earliest": local.date().isoformat(),
        "first_latest": local.date().isoformat(),
        "arrival_at": f"{local:%H:%M}",
    }
    if practitioner is not None:
        prefill["practitioner"] = practitioner.pk
    rows = [
        (
            c,
            reverse("series-book", args=[c.pk]) + "?" + urlencode({**prefill, "sessions": 1}),
            reverse("series-book", args=[c.pk]) + "?" + urlencode(prefill),
        )
        for c in clients
    ]
    return render(
        request,
        "booking/calendar_book.html",
        {
            "location": location,
            "local": local,
            "practitioner": practitioner,
            "q": query,
            "rows": rows,
            "start": request.GET.get("start", ""),
            "back": reverse("calendar")
            + "?"
            + urlencode({"location": location.pk, "date": local.date().isoformat()}),
        },
    )
