"""Re-checking concrete appointments and series against every rule.

Independent of the day grids on purpose: it checks each rule directly against the calendars,
so it can vet bookings made by hand (off-grid times included) and cross-check the search.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from needlepoint.scheduling.appointments import Appointment, AppointmentType
from needlepoint.scheduling.availability import Availability
from needlepoint.scheduling.busy import Calendars
from needlepoint.scheduling.intervals import overlaps, to_epoch
from needlepoint.scheduling.resources import BookingPolicy, Clinic
from needlepoint.scheduling.series import SeriesRequest
from needlepoint.scheduling.windows import ANY_GAP


class ViolationCode(StrEnum):
    WRONG_COUNT = "wrong_count"
    WRONG_TYPE = "wrong_type"
    INCONSISTENT_TIMES = "inconsistent_times"
    UNKNOWN_RESOURCE = "unknown_resource"
    LOCATION_NOT_ALLOWED = "location_not_allowed"
    PRACTITIONER_NOT_ALLOWED = "practitioner_not_allowed"
    NOT_QUALIFIED = "not_qualified"
    UNSUITABLE_ROOM = "unsuitable_room"
    UNSUITABLE_DEVICE = "unsuitable_device"
    BEFORE_LEAD_TIME = "before_lead_time"
    BEYOND_HORIZON = "beyond_horizon"
    LOCATION_CLOSED = "location_closed"
    OUTSIDE_WORKING_HOURS = "outside_working_hours"
    PRACTITIONER_BUSY = "practitioner_busy"
    ROOM_BUSY = "room_busy"
    DEVICE_BUSY = "device_busy"
    OUTSIDE_WINDOW = "outside_window"
    GAP_TOO_SHORT = "gap_too_short"
    GAP_TOO_LONG = "gap_too_long"
    OUT_OF_ORDER = "out_of_order"
    OVERLAPS_SESSION = "overlaps_session"
    CLIENT_BUSY = "client_busy"
    DIFFERENT_PRACTITIONER = "different_practitioner"


@dataclass(frozen=True, slots=True)
class Violation:
    """A broken rule; ``session`` is 1-based (``None`` for the series as a whole)."""

    session: int | None
    code: ViolationCode
    message: str


def check_appointment(
    av: Availability, kind: AppointmentType, appt: Appointment, session: int | None = None
) -> list[Violation]:
    """Every rule a single appointment must satisfy against the calendars."""
    out: list[Violation] = []
    label = f"session {session}: " if session is not None else ""

    def bad(code: ViolationCode, text: str) -> None:
        out.append(Violation(session, code, label + text))

    clinic = av.clinic
    if appt.appointment_type_id != kind.id:
        bad(ViolationCode.WRONG_TYPE, f"is a {appt.appointment_type_id!r}, expected {kind.id!r}")
    location = clinic.locations.get(appt.location_id)
    practitioner = clinic.practitioners.get(appt.practitioner_id)
    room = clinic.rooms.get(appt.room_id)
    missing = [
        f"{what} {rid!r}" for what, rid, found in (
            ("location", appt.location_id, location),
            ("practitioner", appt.practitioner_id, practitioner),
            ("room", appt.room_id, room),
        ) if found is None
    ]
    device = clinic.devices.get(appt.device_id) if appt.device_id is not None else None
    if appt.device_id is not None and device is None:
        missing.append(f"device {appt.device_id!r}")
    if missing:
        bad(ViolationCode.UNKNOWN_RESOURCE, "unknown " + ", ".join(missing))
        return out
    assert location is not None and practitioner is not None and room is not None
    expected = Appointment.build(
        kind, appt.start, location_id=appt.location_id, timezone=location.timezone,
        practitioner_id=appt.practitioner_id, room_id=appt.room_id, device_id=appt.device_id,
    )
    if (expected.end, expected.arrival, expected.room_interval, expected.practitioner_interval,
            expected.device_interval) != (appt.end, appt.arrival, appt.room_interval,
                                          appt.practitioner_interval, appt.device_interval):
        bad(ViolationCode.INCONSISTENT_TIMES, f"times do not match appointment type {kind.id!r}")
        appt = expected
    if not practitioner.performs(kind) or appt.location_id not in practitioner.location_ids:
        bad(ViolationCode.NOT_QUALIFIED,
            f"{practitioner.label} is not qualified for {kind.id} at {location.label}")
    if room.location_id != appt.location_id or not room.suits(kind):
        bad(ViolationCode.UNSUITABLE_ROOM, f"room {room.id} is not a suitable room at {location.label}")
    if kind.device_kind is not None and (
        device is None or device.location_id != appt.location_id or not device.suits(kind)
    ):
        bad(ViolationCode.UNSUITABLE_DEVICE,
            f"needs a {kind.device_kind} device at {location.label}, got {appt.device_id!r}")
    s = to_epoch(appt.start)
    arrival = s - kind.geometry.numbing
    if arrival < av.earliest_arrival:
        bad(ViolationCode.BEFORE_LEAD_TIME, f"arrival {appt.arrival.isoformat()} is before the lead time")
    if arrival > av.latest_arrival:
        bad(ViolationCode.BEYOND_HORIZON, f"arrival {appt.arrival.isoformat()} is beyond the horizon")
    geo = kind.geometry
    work_end = s + geo.practitioner_after
    closure = location.closure_during(appt.visit)
    if closure is not None or appt.day in location.closed:
        reason = f": {closure.reason}" if closure is not None and closure.reason else ""
        bad(ViolationCode.LOCATION_CLOSED, f"{location.label} is closed then{reason}")
    blocks = av.work_blocks(practitioner, appt.location_id, appt.day)
    if not any(a <= arrival and work_end <= b for a, b in blocks):
        bad(ViolationCode.OUTSIDE_WORKING_HOURS,
            f"{practitioner.label} is not working at {location.label} for the whole visit "
            f"({appt.local_arrival:%Y-%m-%d %H:%M} to the end of treatment)")
    cal = av.calendars
    if not cal.practitioner(practitioner.id).is_free(appt.practitioner_interval):
        bad(ViolationCode.PRACTITIONER_BUSY, f"{practitioner.label} is already busy")
    if not cal.room(room.id).is_free(appt.room_interval):
        bad(ViolationCode.ROOM_BUSY, f"room {room.name or room.id} is already busy")
    if (
        appt.device_id is not None and appt.device_interval is not None
        and kind.device_kind is not None
        and not cal.device(appt.device_id).is_free(appt.device_interval)
    ):
        bad(ViolationCode.DEVICE_BUSY, f"device {appt.device_id} is already busy")
    return out


def check_series_rules(
    request: SeriesRequest, appointments: Sequence[Appointment], index: int
) -> list[Violation]:
    """Rules linking session ``index`` (0-based) to the request and the sessions before it."""
    out: list[Violation] = []
    session = index + 1
    appt = appointments[index]
    spec = request.sessions[index]

    def bad(code: ViolationCode, text: str) -> None:
        out.append(Violation(session, code, f"session {session}: {text}"))

    day = appt.day
    if not spec.window.contains(day):
        bad(ViolationCode.OUTSIDE_WINDOW, f"{day} is outside its window {spec.window}")
    if request.location_ids is not None and appt.location_id not in request.location_ids:
        bad(ViolationCode.LOCATION_NOT_ALLOWED, f"location {appt.location_id} is not allowed")
    if request.practitioner_ids is not None and appt.practitioner_id not in request.practitioner_ids:
        bad(ViolationCode.PRACTITIONER_NOT_ALLOWED,
            f"practitioner {appt.practitioner_id} is not allowed")
    for busy in request.client_busy:
        if overlaps(busy, appt.visit):
            bad(ViolationCode.CLIENT_BUSY, f"the client is busy {busy.start:%Y-%m-%d %H:%M}")
            break
    if index > 0:
        prev = appointments[index - 1]
        gap = spec.gap or ANY_GAP
        days = (day - prev.day).days
        if appt.arrival < prev.end:
            bad(ViolationCode.OUT_OF_ORDER, f"starts before session {index} has ended")
        elif days < gap.min_days:
            bad(ViolationCode.GAP_TOO_SHORT,
                f"{days} days after session {index}, minimum {gap.min_days}")
        elif gap.max_days is not None and days > gap.max_days:
            bad(ViolationCode.GAP_TOO_LONG,
                f"{days} days after session {index}, maximum {gap.max_days}")
        if request.preferences.hard_same_practitioner and (
            appt.practitioner_id != appointments[0].practitioner_id
        ):
            bad(ViolationCode.DIFFERENT_PRACTITIONER,
                f"is with {appt.practitioner_id}, session 1 with {appointments[0].practitioner_id}")
    for j in range(index):
        other = appointments[j]
        if overlaps(other.visit, appt.visit) or any(
            kind == kind2 and rid == rid2 and overlaps(iv, iv2)
            for kind, rid, iv in appt.intervals()
            for kind2, rid2, iv2 in other.intervals()
        ):
            bad(ViolationCode.OVERLAPS_SESSION, f"overlaps session {j + 1}")
    return out


def validate_series(
    av: Availability,
    request: SeriesRequest,
    appointments: Sequence[Appointment],
    *,
    from_index: int = 0,
) -> list[Violation]:
    """Every violation of a (proposed or booked) series; empty means it can be booked.

    Sessions before ``from_index`` (0-based) are taken as given (already held or fixed): they
    are not re-checked themselves but still anchor the gaps and overlaps of later sessions.
    """
    if len(appointments) != len(request.sessions):
        return [Violation(None, ViolationCode.WRONG_COUNT,
                          f"{len(appointments)} appointments for {len(request.sessions)} sessions")]
    out: list[Violation] = []
    for index, appt in enumerate(appointments):
        if index < from_index:
            continue
        out.extend(check_appointment(av, request.type_of(index), appt, index + 1))
        out.extend(check_series_rules(request, appointments, index))
    return out


#: What check_booking leaves out: who is busy (the database re-checks it under the booking's
#: lock, against every booking, not a snapshot) and *when* one may book (lead time, horizon:
#: the search's policy, which a waitlist offer or a 30-minute-old option may have crossed).
NOT_STRUCTURAL = frozenset({
    ViolationCode.BEFORE_LEAD_TIME, ViolationCode.BEYOND_HORIZON, ViolationCode.PRACTITIONER_BUSY,
    ViolationCode.ROOM_BUSY, ViolationCode.DEVICE_BUSY, ViolationCode.CLIENT_BUSY,
})


def check_booking(
    clinic: Clinic, request: SeriesRequest, appointments: Sequence[Appointment]
) -> list[Violation]:
    """Every rule concrete appointments break as the series ``request`` asked for: count, type
    and its times, resources, qualification, room and device suitability, working hours (shift
    cover and time off), date windows, gaps, allowed locations and practitioners, overlaps
    between sessions. What booking re-checks before it writes, whoever proposed the times."""
    if len(appointments) != len(request.sessions) or not appointments:
        return [Violation(None, ViolationCode.WRONG_COUNT,
                          f"{len(appointments)} appointments for {len(request.sessions)} sessions")]
    # The calendars are empty and the timing rules dropped, so `now` only has to be valid.
    now = min(a.arrival for a in appointments)
    av = Availability(clinic, Calendars(), now, _ANY_TIME)
    return [v for v in validate_series(av, request, appointments) if v.code not in NOT_STRUCTURAL]


_ANY_TIME = BookingPolicy(lead_time=timedelta(0))
