"""The engine's entry point for the Django layer: one :class:`Scheduler` per request.

Typical use from a booking service::

    scheduler = Scheduler(clinic, calendars, now=clock.now())
    result = scheduler.search_series(SeriesRequest.regular(kind, count=6, ...))
    if result.found:
        for appt in result.options[0].sessions: ...  # write bookings, re-checked in the DB
    else:
        show(result.explanation.summary)

The scheduler takes a snapshot view of ``calendars`` and caches per-day availability, so build a
new one after writing bookings.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from needlepoint.scheduling.appointments import Appointment, AppointmentType
from needlepoint.scheduling.availability import Availability
from needlepoint.scheduling.busy import Calendars
from needlepoint.scheduling.intervals import require_aware
from needlepoint.scheduling.reschedule import RescheduleResult, reschedule
from needlepoint.scheduling.resources import BookingPolicy, Clinic
from needlepoint.scheduling.search import SeriesSearch
from needlepoint.scheduling.series import SearchLimits, SeriesRequest, SeriesResult
from needlepoint.scheduling.slots import Slot, SlotQuery, find_slots
from needlepoint.scheduling.validation import Violation, check_appointment, validate_series


class Scheduler:
    """Availability, slot finding, series search, validation and rescheduling for one clinic."""

    def __init__(
        self,
        clinic: Clinic,
        calendars: Calendars,
        *,
        now: datetime,
        policy: BookingPolicy | None = None,
    ) -> None:
        require_aware(now, "now")
        self.clinic = clinic
        self.calendars = calendars
        self.now = now
        self.policy = policy or BookingPolicy()
        self.availability = Availability(clinic, calendars, now, self.policy)

    def find_slots(self, query: SlotQuery) -> list[Slot]:
        """Every grid start for one appointment in a local date range, earliest first."""
        return find_slots(self.availability, query)

    def search_series(
        self,
        request: SeriesRequest,
        *,
        max_options: int = 5,
        limits: SearchLimits | None = None,
    ) -> SeriesResult:
        """The earliest feasible series, ranked alternatives, or an explanation of why none."""
        search = SeriesSearch(self.availability, request, max_options=max_options, limits=limits)
        return search.run()

    def check_appointment(self, kind: AppointmentType, appointment: Appointment) -> list[Violation]:
        """Every rule one appointment breaks against the current calendars (empty = bookable)."""
        return check_appointment(self.availability, kind, appointment)

    def validate_series(
        self, request: SeriesRequest, appointments: Sequence[Appointment], *, from_index: int = 0
    ) -> list[Violation]:
        """Every rule a proposed series breaks (empty = bookable as a whole)."""
        return validate_series(self.availability, request, appointments, from_index=from_index)

    def reschedule(
        self,
        request: SeriesRequest,
        booked: Sequence[Appointment],
        index: int,
        new_start: datetime,
        *,
        location_id: str | None = None,
        practitioner_id: str | None = None,
        room_id: str | None = None,
        device_id: str | None = None,
        calendars_include_series: bool = True,
        limits: SearchLimits | None = None,
    ) -> RescheduleResult:
        """Move session ``index`` (0-based) to ``new_start``; re-validate and repair the rest.

        With ``calendars_include_series`` (the default, as when calendars are loaded straight
        from the database) the series' own bookings are first taken out of the calendars so
        they do not collide with themselves.
        """
        av = self.availability
        if calendars_include_series:
            av = Availability(self.clinic, self.calendars.without(booked), self.now, self.policy)
        return reschedule(
            av, request, booked, index, new_start, location_id=location_id,
            practitioner_id=practitioner_id, room_id=room_id, device_id=device_id, limits=limits,
        )
