"""One appointment: details, move (with series repair), cancel, status, .ics download."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from needlepoint import clock
from needlepoint.clinic.booking import services
from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.errors import DomainError, NotAllowed
from needlepoint.clinic.payments.selectors import invoice_of
from needlepoint.clinic.permissions import Action, may
from needlepoint.interop import ical
from needlepoint.web.access import ALL_STAFF, clinic_of, membership_of, staff_view
from needlepoint.web.appointment_access import staff_appointment
from needlepoint.web.booking.forms import CancelForm, MoveForm, refuse


def _appointment(request: HttpRequest, pk: int, action: str = "view appointment") -> Appointment:
    return staff_appointment(request, pk, action)


def _local(appt: Appointment) -> dict[str, datetime]:
    zone = ZoneInfo(appt.location.timezone)
    return {
        "arrival": appt.arrival.astimezone(zone),
        "start": appt.start.astimezone(zone),
        "end": appt.end.astimezone(zone),
    }


@staff_view(*ALL_STAFF)
def appointment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _appointment(request, pk))


def _detail_page(
    request: HttpRequest,
    appt: Appointment,
    *,
    move_form: MoveForm | None = None,
    cancel_form: CancelForm | None = None,
    status: int = 200,
) -> HttpResponse:
    local = _local(appt)
    move = move_form or MoveForm(
        clinic=clinic_of(request),
        initial={
            "new_date": local["start"].date(),
            "new_time": local["start"].time(),
        },
    )
    siblings = (
        Appointment.objects.filter(series_id=appt.series_id)
        .select_related("location")
        .order_by("series_index")
        if appt.series_id
        else []
    )
    now = clock.now()
    return render(
        request,
        "booking/appointment.html",
        {
            "appt": appt,
            "local": local,
            "move_form": move,
            "cancel_form": cancel_form or CancelForm(),
            "siblings": siblings,
            # The same rule the portal and the services use.
            "online_closed": appt.start > now and services.too_late_online(appt, now=now),
            "invoice": invoice_of(appt),
            "may_take_payment": may(membership_of(request), Action.TAKE_PAYMENT, appt),
        },
        status=status,
    )


def _move_target(appt: Appointment, form: MoveForm) -> datetime:
    zone = ZoneInfo(appt.location.timezone)
    naive = datetime.combine(form.cleaned_data["new_date"], form.cleaned_data["new_time"])
    return naive.replace(tzinfo=zone)


@require_POST
@staff_view(*ALL_STAFF)
def appointment_move(request: HttpRequest, pk: int) -> HttpResponse:
    appt = _appointment(request, pk, "move appointment")
    wants_json = request.headers.get("Accept") == "application/json"
    if "new_start" in request.POST:  # drag and drop on the calendar posts a UTC instant
        try:
            new_start = datetime.fromisoformat(request.POST["new_start"])
        except ValueError:
            return JsonResponse({"ok": False, "message": "Not a valid time."}, status=400)
        if new_start.tzinfo is None:
            return JsonResponse({"ok": False, "message": "The time needs a zone."}, status=400)
        practitioner = request.POST.get("practitioner") or None
        apply_repair = False
    else:
        form = MoveForm(request.POST, clinic=clinic_of(request))
        if not form.is_valid():
            return _detail_page(request, appt, move_form=form, status=400)
        new_start = _move_target(appt, form)
        practitioner = (
            str(form.cleaned_data["practitioner"].pk) if form.cleaned_data.get("practitioner") else None
        )
        apply_repair = form.cleaned_data.get("apply_repair", False)
    try:
        outcome = services.reschedule_appointment(
            appt,
            new_start,
            actor=membership_of(request),
            now=clock.now(),
            practitioner_id=practitioner,
            apply_repair=apply_repair,
        )
    except (DomainError, services.BookingError) as exc:
        if wants_json:
            return JsonResponse({"ok": False, "message": str(exc)}, status=_status(exc))
        messages.error(request, str(exc))
        return redirect("appointment-detail", pk=appt.pk)
    if wants_json:
        return JsonResponse(
            {"ok": outcome.applied, "message": outcome.message}, status=200 if outcome.applied else 409
        )
    if outcome.applied:
        messages.success(request, outcome.message)
        return redirect("appointment-detail", pk=appt.pk)
    zone = ZoneInfo(appt.location.timezone)
    return render(
        request,
        "booking/move_review.html",
        {
            "appt": appt,
            "outcome": outcome,
            "new_start": new_start.astimezone(zone),
            "changes": [
                (c.session, c.before.start.astimezone(zone), c.after.start.astimezone(zone))
                for c in outcome.changes
            ],
        },
        status=409,
    )


@require_POST
@staff_view(*ALL_STAFF)
def appointment_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    appt = _appointment(request, pk, "cancel appointment")
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason for the cancellation.")
        return redirect("appointment-detail", pk=appt.pk)
    try:
        result = services.cancel_appointment(
            appt,
            actor=membership_of(request),
            reason=form.cleaned_data["reason"],
            now=clock.now(),
            waive_fee=form.cleaned_data["waive_fee"],
        )
    except NotAllowed as exc:  # e.g. waiving the fee without being an owner: say so on the form
        return _detail_page(request, appt, cancel_form=form, status=refuse(form, exc))
    except (DomainError, services.BookingError) as exc:
        messages.error(request, str(exc))
        return redirect("appointment-detail", pk=appt.pk)
    note = f" Late cancellation: fee of {result.fee_due} due." if result.fee_due else ""
    if result.offers:
        note += f" Slot offered to {result.offers[0].client.full_name} from the waitlist."
    messages.success(request, "Cancelled." + note)
    return redirect("appointment-detail", pk=appt.pk)


@require_POST
@staff_view(*ALL_STAFF)
def appointment_status(request: HttpRequest, pk: int) -> HttpResponse:
    appt = _appointment(request, pk, "update appointment")
    try:
        services.set_status(
            appt, request.POST.get("status", ""), actor=membership_of(request), now=clock.now()
        )
    except (DomainError, services.BookingError) as exc:
        messages.error(request, str(exc))
    return redirect("appointment-detail", pk=appt.pk)


def _status(exc: Exception) -> int:
    return exc.status if isinstance(exc, DomainError) else int(getattr(exc, "status_code", 400))


@staff_view(*ALL_STAFF)
def appointment_ics(request: HttpRequest, pk: int) -> HttpResponse:
    appt = _appointment(request, pk, "download appointment")
    body = ical.client_event(appt, clinic_name=appt.clinic.name, now=clock.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="appointment-{appt.pk}.ics"'
    return response
