"""Needlepoint's scheduling engine: availability, slot finding, series search, rescheduling.

Pure Python (no Django). The booking app loads resources and busy intervals from the database,
builds a :class:`Scheduler` and calls it::

    clinic = Clinic(locations=[...], practitioners=[...], rooms=[...], devices=[...])
    calendars = Calendars.from_intervals(practitioners={pid: [Interval, ...]}, rooms=..., devices=...)
    scheduler = Scheduler(clinic, calendars, now=clock.now(), policy=BookingPolicy(...))
    result = scheduler.search_series(SeriesRequest.regular(kind, count=6, first_earliest=...,
                                                           first_latest=..., min_days=28, max_days=42))
    result.earliest / result.options / result.explanation.summary

Conventions (details in each module):

* Instants are aware datetimes, handled in UTC; working hours are local wall-clock rules per
  location. A wall time in a spring-forward gap maps to the first valid instant after it; an
  ambiguous one takes its first occurrence (``fold=0``).
* Appointment ``start`` is the treatment start; the client arrives ``numbing`` earlier. Lead time,
  horizon and time-of-day preferences apply to the arrival. The whole visit must lie in the
  practitioner's working hours (they apply the numbing cream); the practitioner is busy for the
  treatment and, by default, the cleaning; the room for numbing (if in the room), treatment and
  cleaning; the device for treatment and cleaning.
* Series gaps and windows are local calendar dates of the treatment start.
"""

from needlepoint.scheduling.appointments import Appointment, AppointmentType, NumbingPlace
from needlepoint.scheduling.busy import BusyCalendar, Calendars
from needlepoint.scheduling.errors import (
    InvalidConfigurationError,
    InvalidIntervalError,
    InvalidWindowError,
    NaiveDatetimeError,
    SchedulingError,
    UnknownResourceError,
    UnknownTimeZoneError,
)
from needlepoint.scheduling.explain import Explanation, Reason, ReasonCode
from needlepoint.scheduling.intervals import Interval, overlaps
from needlepoint.scheduling.preferences import (
    LocalTimeRange,
    Preferences,
    PreferenceWeights,
    SamePractitioner,
    TimeOfDay,
)
from needlepoint.scheduling.reschedule import RescheduleResult, SessionChange
from needlepoint.scheduling.resources import (
    BookingPolicy,
    Clinic,
    Closure,
    Device,
    Location,
    Practitioner,
    Room,
)
from needlepoint.scheduling.scheduler import Scheduler
from needlepoint.scheduling.series import (
    SearchLimits,
    SeriesOption,
    SeriesRequest,
    SeriesResult,
    SessionSpec,
)
from needlepoint.scheduling.slots import Slot, SlotQuery
from needlepoint.scheduling.validation import Violation, ViolationCode, check_booking
from needlepoint.scheduling.windows import DateWindow, GapWindow
from needlepoint.scheduling.working_hours import (
    DatedShift,
    WeeklyShift,
    WorkingPattern,
    expand,
    local_to_utc,
)

__all__ = [
    "Appointment",
    "AppointmentType",
    "BookingPolicy",
    "BusyCalendar",
    "Calendars",
    "Clinic",
    "Closure",
    "DateWindow",
    "DatedShift",
    "Device",
    "Explanation",
    "GapWindow",
    "Interval",
    "InvalidConfigurationError",
    "InvalidIntervalError",
    "InvalidWindowError",
    "LocalTimeRange",
    "Location",
    "NaiveDatetimeError",
    "NumbingPlace",
    "Practitioner",
    "PreferenceWeights",
    "Preferences",
    "Reason",
    "ReasonCode",
    "RescheduleResult",
    "Room",
    "SamePractitioner",
    "Scheduler",
    "SchedulingError",
    "SearchLimits",
    "SeriesOption",
    "SeriesRequest",
    "SeriesResult",
    "SessionChange",
    "SessionSpec",
    "Slot",
    "SlotQuery",
    "TimeOfDay",
    "UnknownResourceError",
    "UnknownTimeZoneError",
    "Violation",
    "ViolationCode",
    "WeeklyShift",
    "WorkingPattern",
    "check_booking",
    "expand",
    "local_to_utc",
    "overlaps",
]
