"""Booking a series for a client: search (with the protocol's course as a starting point), pick."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from needlepoint import clock, inputs
from needlepoint import scheduling as eng
from needlepoint.clinic.audit.services import AccessContext
from needlepoint.clinic.booking import services
from needlepoint.clinic.booking.engine import Snapshot
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clients.selectors import client_for_read
from needlepoint.clinic.clinics.selectors import clinic_today
from needlepoint.clinic.errors import DomainError
from needlepoint.clinic.plans.models import TreatmentPlan
from needlepoint.clinic.plans.selectors import PlanNotBookable, SeriesWindows, bookable_plan
from needlepoint.web.access import ALL_STAFF, clinic_of, membership_of, staff_view
from needlepoint.web.booking.forms import SeriesSearchForm, protocol_courses, refuse


def _initial(request: HttpRequest, today: date) -> dict[str, object]:
    initial: dict[str, object] = {
        "first_earliest": today + timedelta(days=1),
        "first_latest": today + timedelta(days=14),
    }
    # Prefilled from the calendar's empty slot (day, time, practitioner, location, one session).
    for key in ("sessions", "first_earliest", "first_latest", "location", "practitioner", "arrival_at"):
        if request.GET.get(key):
            initial[key] = request.GET[key][:40]
    course = request.GET.get("course")
    for key, _, values in protocol_courses():
        if key == course:
            initial.update(values)
    return initial


PLAN_FIELDS = ("sessions", "gap_min_days", "gap_max_days", "first_earliest", "first_latest")


def _plan_windows(request: HttpRequest, client: Client, today: date) -> SeriesWindows | None:
    """The confirmed plan's series windows when booking from a plan (?plan=); the plan decides
    the sessions and intervals, and an area that is blocked now cannot be booked."""
    raw = request.POST.get("plan") or request.GET.get("plan")
    if not raw:
        return None
    plan_id = inputs.parse_id(raw)
    if plan_id is None:
        raise Http404("No such plan.")
    plan = get_object_or_404(
        TreatmentPlan.objects.for_clinic(client.clinic_id).filter(client=client), pk=plan_id
    )
    return bookable_plan(plan, today=today)


@staff_view(*ALL_STAFF)
def series_book(request: HttpRequest, client_pk: int) -> HttpResponse:
    clinic = clinic_of(request)
    client = client_for_read(AccessContext.from_request(request), client_pk)
    context: dict[str, object] = {"client": client, "courses": protocol_courses()}
    now = clock.now()
    today = clinic_today(clinic, now)
    try:
        windows = _plan_windows(request, client, today)
    except PlanNotBookable as exc:
        context["error"] = exc.message
        return render(request, "booking/series_book.html", context, status=400)
    initial = _initial(request, today)
    if windows is not None:
        initial.update(
            sessions=windows.count,
            gap_min_days=windows.min_days,
            gap_max_days=windows.max_days,
            first_earliest=windows.first_earliest,
            first_latest=windows.first_latest,
        )
    data = (
        request.POST
        if request.method == "POST"
        else (request.GET if "appointment_type" in request.GET else None)
    )
    form = SeriesSearchForm(data, clinic=clinic, initial=initial, windows=windows)
    context.update({"form": form, "windows": windows})
    if data is None or not form.is_valid():
        return render(request, "booking/series_book.html", context, status=400 if form.errors else 200)

    d = form.cleaned_data
    try:
        spec = services.SeriesSpec(
            client=client,
            appointment_type=d["appointment_type"],
            sessions=d["sessions"],
            first_earliest=d["first_earliest"],
            first_latest=d["first_latest"],
            gap_min_days=d["gap_min_days"],
            gap_max_days=d["gap_max_days"],
            preferences=form.preferences(),
            location_ids=frozenset({str(d["location"].pk)}) if d.get("location") else None,
            source=windows.source
            if windows
            else request.POST.get("source", request.GET.get("course", ""))[:200],
            plan_id=windows.plan_id if windows else None,
        )
        if request.method == "POST" and request.POST.get("option"):
            series = services.book_option(
                clinic, spec, request.POST["option"], actor=membership_of(request), now=now
            )
            messages.success(request, f"Booked {series.sessions} sessions for {client.full_name}.")
            return redirect("client-detail", pk=client.pk)
        result, snapshot = services.search_series(clinic, spec, now=now)
    except (DomainError, services.BookingError) as exc:
        status = refuse(form, exc)
        return render(request, "booking/series_book.html", context, status=status)
    context.update(
        {
            "result": result,
            "options": [
                {
                    "token": services.encode_option(spec, o.sessions),
                    "score": o.score,
                    "rows": [_row(a, snapshot) for a in o.sessions],
                }
                for o in result.options
            ],
        }
    )
    return render(request, "booking/series_book.html", context)


def _row(a: eng.Appointment, snapshot: Snapshot) -> dict[str, object]:
    zone = ZoneInfo(a.timezone)
    return {
        "arrival": a.arrival.astimezone(zone),
        "start": a.start.astimezone(zone),
        "location": snapshot.locations[a.location_id],
        "practitioner": snapshot.practitioners[a.practitioner_id],
        "room": snapshot.rooms[a.room_id],
        "device": snapshot.devices.get(a.device_id or ""),
    }
