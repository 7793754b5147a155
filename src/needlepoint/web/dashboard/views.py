"""The start page of every role: the day sheet of one location, and its one-click actions.

The views only parse and hand over: the sheet comes from treatments.dayplan (composed in
today.py), and every action is the same service the appointment and treatment pages call, so the
rules (consent before check-in, no no-show before the time, who may do what) cannot differ.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from needlepoint import clock
from needlepoint.clinic.audit.services import AccessContext, record_access
from needlepoint.clinic.booking.models import Appointment, AppointmentStatus
from needlepoint.clinic.booking.services import set_status
from needlepoint.clinic.clinics.models import Location
from needlepoint.clinic.errors import DomainError, NotAllowed, NotFound
from needlepoint.clinic.messaging.models import ReactionReport
from needlepoint.clinic.messaging.reactions import acknowledge_red_flag
from needlepoint.clinic.permissions import Action
from needlepoint.clinic.treatments import services as treatments
from needlepoint.inputs import parse_id
from needlepoint.web.access import clinic_of, membership_of, staff_view
from needlepoint.web.timefmt import local_now

from .today import checklist_for, checkout_links, default_location, today


@staff_view()
def dashboard(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    member = membership_of(request)
    now = clock.now()
    location = default_location(clinic, member, request.GET.get("location"))
    context: dict[str, object] = {
        "locations": Location.objects.for_clinic(clinic).filter(is_active=True).order_by("name"),
        "location": location,
        "checklist": checklist_for(clinic, member),
        "now": now,
    }
    if location is not None:
        day = clock.local_date(now, location.timezone)
        context.update(day=day, local_now=local_now(location, now))
        sheet = today(clinic, member, location, day, now)
        context["today"] = sheet
        context.update(checkout_links(sheet.sheet, member))
        # Client names and their day: logged like any list of clients.
        record_access(AccessContext.from_request(request), client=None, action="day_sheet")
    response = render(request, "dashboard.html", context)
    response["Cache-Control"] = "no-store"
    return response


def _appointment(request: HttpRequest, pk: int, action: str) -> Appointment:
    try:
        appt = (
            Appointment.objects.for_clinic(clinic_of(request))
            .select_related("client", "location", "series__plan")
            .get(pk=pk)
        )
    except Appointment.DoesNotExist as exc:
        raise Http404 from exc
    record_access(AccessContext.from_request(request), client=appt.client, action=action)
    return appt


def _back(location_id: int | None) -> HttpResponse:
    url = reverse("dashboard")
    return redirect(f"{url}?location={location_id}" if location_id else url)


def _run(request: HttpRequest, appt: Appointment, action: Callable[[], str]) -> HttpResponse:
    """One click: the service's refusal or its success is a message on the day sheet."""
    try:
        done = action()
    except (NotAllowed, NotFound):
        raise
    except DomainError as exc:
        messages.error(request, f"{appt.client.full_name}: {exc.message}")
    else:
        messages.success(request, done)
    return _back(appt.location_id)


@require_POST
@staff_view(action=Action.CHECK_IN)
def check_in(request: HttpRequest, pk: int) -> HttpResponse:
    appt = _appointment(request, pk, "check in")

    def act() -> str:
        treatments.check_in(clinic_of(request), membership_of(request), appt, now=clock.now())
        return f"{appt.client.full_name} is checked in."

    return _run(request, appt, act)


@require_POST
@staff_view(action=Action.RECORD_NUMBING)
def start_numbing(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan's areas with its agent and the protocol's amount, applied now (the treatment
    page records anything else: other areas, an earlier time, the amount)."""
    appt = _appointment(request, pk, "record numbing")

    def act() -> str:
        plan = treatments.plan_of(appt)
        areas = list(plan.areas.order_by("position").values_list("area", flat=True)) if plan else []
        if plan is None or not plan.numbing or not areas:
            raise DomainError("No numbing in the plan: record it on the treatment page if needed.")
        application = treatments.record_numbing(
            clinic_of(request), membership_of(request), appt, areas=areas, now=clock.now()
        )
        ready = application.applied_at + timedelta(minutes=application.onset_minutes)
        ready = local_now(appt.location, ready)
        return f"Numbing started for {appt.client.full_name}: ready at {ready:%H:%M}."

    return _run(request, appt, act)


@require_POST
@staff_view(action=Action.SET_STATUS)
def no_show(request: HttpRequest, pk: int) -> HttpResponse:
    appt = _appointment(request, pk, "mark no-show")

    def act() -> str:
        set_status(appt, AppointmentStatus.NO_SHOW, actor=membership_of(request), now=clock.now())
        return f"{appt.client.full_name} is marked as a no-show."

    return _run(request, appt, act)


@require_POST
@staff_view(action=Action.ACKNOWLEDGE_RED_FLAG)
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        report = ReactionReport.objects.for_clinic(clinic_of(request)).select_related("client").get(pk=pk)
    except ReactionReport.DoesNotExist as exc:
        raise Http404 from exc
    record_access(AccessContext.from_request(request), client=report.client, action="acknowledge red flag")
    location = request.POST.get("location", "")
    try:
        acknowledge_red_flag(report, actor=membership_of(request), now=clock.now())
    except (NotAllowed, NotFound):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Red-flag report of {report.client.full_name} acknowledged.")
    return _back(parse_id(location))
