"""The one way a staff page loads "its" appointment: scoped to the active clinic (another
clinic's id is a 404), the read logged against the client, and the request's times shown in the
appointment's location zone (``timefmt.show_in``) — the booking page, treatment day, the numbing
clock and its htmx fragment all pass here, so none of them can fall back to UTC."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from needlepoint.clinic.audit.services import AccessContext, record_access
from needlepoint.clinic.booking.models import Appointment
from needlepoint.web.access import clinic_of
from needlepoint.web.timefmt import show_in

_RELATED = ("client", "location", "practitioner__user", "room", "device", "appointment_type", "series__plan")


def staff_appointment(request: HttpRequest, pk: int, action: str) -> Appointment:
    try:
        appt: Appointment = (
            Appointment.objects.for_clinic(clinic_of(request)).select_related(*_RELATED).get(pk=pk)
        )
    except Appointment.DoesNotExist as exc:
        raise Http404 from exc
    record_access(AccessContext.from_request(request), client=appt.client, action=action)
    show_in(appt.location)
    return appt
