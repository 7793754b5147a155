"""Times are stored in UTC and shown in the location's own time zone.

A staff page about one appointment shows its times in that appointment's location zone: the
view calls :func:`show_in` (through ``web.appointment_access.staff_appointment``), which makes
the location's zone Django's current zone for the rest of the request, so templates that render
outside ``base.html``'s ``{% localtime off %}`` (the htmx fragments: the numbing clock's poll)
convert to the same zone as the views' own ``astimezone`` calls. :class:`ZoneMiddleware` starts
every request in UTC and clears the zone afterwards, so a thread's next request never inherits
another location's zone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from needlepoint.clinic.clinics.models import Location


def local_now(location: Location, now: datetime) -> datetime:
    return now.astimezone(ZoneInfo(location.timezone))


def show_in(location: Location) -> ZoneInfo:
    """Show this request's times in ``location``'s zone (returned for the view's own use)."""
    zone = ZoneInfo(location.timezone)
    timezone.activate(zone)
    return zone


class ZoneMiddleware:
    """Every request starts in UTC; whatever zone a view activated ends with the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
