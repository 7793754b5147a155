"""One appointment: what to do before it (numbing clock times from the protocol engine), add it
to a calendar, or cancel it within the clinic's policy."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from needlepoint import clock, inputs
from needlepoint.clinic.audit.services import record_access
from needlepoint.clinic.booking.models import Appointment, AppointmentStatus
from needlepoint.clinic.booking.services import (
    BookingError,
    cancel_appointment,
    reschedule_appointment,
    reschedule_options,
    too_late_online,
)
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.errors import DomainError
from needlepoint.clinic.permissions import ClientActor
from needlepoint.clinic.plans.selectors import current_plan, plan_for_session
from needlepoint.interop.ical import client_event
from needlepoint.portal.forms import PortalCancelForm
from needlepoint.portal.session import client_view, portal_context
from needlepoint.protocol import default_protocol

TOO_LATE = (
    "It is too late to change this session online (the clinic's notice period). Please call the clinic."
)


def _appointment(client: Client, pk: int) -> Appointment:
    return get_object_or_404(
        Appointment.objects.for_clinic(client.clinic_id)
        .filter(client=client)
        .select_related("location", "appointment_type"),
        pk=pk,
    )


def _local(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    return value.astimezone(zone) if value is not None else None


def _context(request: HttpRequest, client: Client, appt: Appointment) -> dict[str, object]:
    zone = ZoneInfo(appt.location.timezone)
    start = appt.start.astimezone(zone)
    plan = current_plan(client)
    session = plan_for_session(plan, start=appt.start, today=start.date()) if plan else None
    numbing = session.numbing if session else None
    agent = default_protocol().data.numbing
    now = clock.now()
    default_agent = agent.agents[agent.default_agent]
    return {
        "client": client,
        "clinic": client.clinic,
        "appt": appt,
        "start": start,
        "arrival": appt.arrival.astimezone(zone),
        "end": appt.end.astimezone(zone),
        "zone": appt.location.timezone,
        "numbing": numbing,
        "apply_at": _local(numbing.apply_at, zone) if numbing else None,
        "effective_until": _local(numbing.effective_until, zone) if numbing else None,
        "aftercare": session.aftercare if session else [],
        "default_agent": default_agent,
        "numbing_conditions": [" ".join(c.text.split()) for c in agent.conditions],
        # The services' own rule: inside the notice period the client calls the clinic instead.
        "can_cancel": appt.status == AppointmentStatus.BOOKED and appt.start > now,
        "online_closed": too_late_online(appt, now=now),
        "too_late_message": TOO_LATE,
        "cancel_form": PortalCancelForm(request.POST or None),
    }


@client_view
def prepare(request: HttpRequest, appointment_pk: int) -> HttpResponse:
    client: Client = request.portal_client  # type: ignore[attr-defined]
    appt = _appointment(client, appointment_pk)
    record_access(portal_context(request, client), client=client, action="portal-appointment")
    return render(request, "portal/appointment.html", _context(request, client, appt))


@client_view
def calendar(request: HttpRequest, appointment_pk: int) -> HttpResponse:
    client: Client = request.portal_client  # type: ignore[attr-defined]
    appt = _appointment(client, appointment_pk)
    body = client_event(appt, clinic_name=client.clinic.name, now=clock.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="appointment-{appt.pk}.ics"'
    return response


@client_view
def cancel(request: HttpRequest, appointment_pk: int) -> HttpResponse:
    client: Client = request.portal_client  # type: ignore[attr-defined]
    appt = _appointment(client, appointment_pk)
    if request.method != "POST":
        return redirect("portal-appointment", slug=client.clinic.slug, appointment_pk=appt.pk)
    form = PortalCancelForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            cancel_appointment(
                appt,
                actor=ClientActor(client),
                reason=form.cleaned_data["reason"] or "Cancelled online",
                now=clock.now(),
            )
        except (DomainError, BookingError) as exc:
            error = str(exc)
    else:
        error = "The reason is too long (200 characters at most)."
    if error:
        context = _context(request, client, appt) | {"cancel_error": error}
        return render(request, "portal/appointment.html", context, status=400)
    messages.success(request, "Your appointment is cancelled.")
    return redirect("portal-home", slug=client.clinic.slug)


def _by_day(options: dict[str, datetime]) -> dict[date, list[tuple[str, datetime]]]:
    days: dict[date, list[tuple[str, datetime]]] = {}
    for value, local in options.items():
        days.setdefault(local.date(), []).append((value, local))
    return dict(sorted(days.items()))


@client_view
def reschedule(request: HttpRequest, appointment_pk: int) -> HttpResponse:
    """Offer free times near the appointment, a date first (``?day=``, only days with a free
    time) and then that day's times, so each step is a short list and no script is needed; a
    move that would break the series' intervals is not applied (the clinic reviews those), and
    the clinic's notice period applies."""
    client: Client = request.portal_client  # type: ignore[attr-defined]
    appt = _appointment(client, appointment_pk)
    zone = ZoneInfo(appt.location.timezone)
    now = clock.now()
    error = ""
    try:
        if too_late_online(appt, now=now):
            slots, error = [], TOO_LATE
        else:
            slots = [s for s in reschedule_options(appt, now=now) if s.start != appt.start]
    except (DomainError, BookingError) as exc:
        slots, error = [], str(exc)
    options = {s.start.isoformat(): s.start.astimezone(zone) for s in slots}
    days = _by_day(options)
    chosen = request.POST.get("new_start", "")
    day = inputs.parse_date(request.POST.get("day") or request.GET.get("day"))
    if chosen in options:
        day = options[chosen].date()
    if request.method == "POST" and not error:
        if chosen not in options:
            error = "Choose one of the times offered."
        else:
            try:
                outcome = reschedule_appointment(
                    appt, slots[list(options).index(chosen)].start, actor=ClientActor(client), now=now
                )
            except (DomainError, BookingError) as exc:
                error = str(exc)
            else:
                if outcome.applied:
                    messages.success(request, f"Moved to {options[chosen]:%A %d %B, %H:%M}.")
                    return redirect("portal-home", slug=client.clinic.slug)
                error = f"{outcome.message} Please call the clinic to move this session."
    if day not in days:
        day = None
    return render(
        request,
        "portal/reschedule.html",
        {
            "client": client,
            "clinic": client.clinic,
            "appt": appt,
            "start": appt.start.astimezone(zone),
            "options": list(options.items()),
            "days": [(d, len(times)) for d, times in days.items()],
            "day": day,
            "times": days[day] if day is not None else [],
            "error": error,
            "chosen": chosen,
        },
        status=400 if error and request.method == "POST" else 200,
    )
