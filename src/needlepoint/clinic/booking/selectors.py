"""Reads for the calendar, the client page and feeds. Times come back in the location's zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from needlepoint.clinic.accounts.models import Membership, Role
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Clinic, Location

from .models import Appointment, WaitlistEntry, WaitlistStatus

DAY_START = time(7, 0)
DAY_END = time(21, 0)
PX_PER_MINUTE = 1.2


@dataclass(frozen=True)
class Block:
    """One appointment placed on the calendar grid (local times, pixel offsets)."""

    appointment: Appointment
    arrival: datetime
    start: datetime
    end: datetime
    top: float
    height: float
    numbing_height: float


@dataclass(frozen=True)
class Column:
    practitioner: Membership
    day: date
    blocks: list[Block]
    slots: list[tuple[str, str]]  # (UTC ISO start, local label) drop targets every 15 minutes


@dataclass(frozen=True)
class CalendarView:
    location: Location
    days: list[date]
    columns: list[Column]
    hours: list[str]
    height: float
    mode: str

    def columns_on(self, day: date) -> list[Column]:
        return [c for c in self.columns if c.day == day]


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone)


def appointments_between(location: Location, first: date, last: date) -> QuerySet[Appointment]:
    zone = ZoneInfo(location.timezone)
    lo = _local_midnight(first, zone)
    hi = _local_midnight(last + timedelta(days=1), zone)
    return (
        Appointment.objects.for_clinic(location.clinic_id)
        .active()
        .filter(location=location, start__gte=lo, start__lt=hi)
        .select_related("client", "practitioner__user", "room", "device", "appointment_type")
    )


def calendar(location: Location, day: date, mode: str = "day") -> CalendarView:
    zone = ZoneInfo(location.timezone)
    days = (
        [day]
        if mode == "day"
        else [day - timedelta(days=day.weekday()) + timedelta(days=i) for i in range(7)]
    )
    practitioners = list(
        Membership.objects.for_clinic(location.clinic_id)
        .filter(role=Role.PRACTITIONER, is_active=True, locations=location)
        .select_related("user")
        .order_by("display_name", "user__email")
    )
    by_key: dict[tuple[date, int], list[Block]] = {}
    for appt in appointments_between(location, days[0], days[-1]):
        start = appt.start.astimezone(zone)
        arrival = appt.arrival.astimezone(zone)
        end = appt.end.astimezone(zone)
        top = _minutes(arrival.time()) * PX_PER_MINUTE
        by_key.setdefault((start.date(), appt.practitioner_id), []).append(
            Block(
                appt,
                arrival,
                start,
                end,
                top=top,
                height=max((end - arrival).total_seconds() / 60 * PX_PER_MINUTE, 18),
                numbing_height=(start - arrival).total_seconds() / 60 * PX_PER_MINUTE,
            )
        )
        if appt.practitioner not in practitioners:
            practitioners.append(appt.practitioner)  # e.g. someone no longer listed at this location
    columns = [
        Column(p, d, by_key.get((d, p.pk), []), _slots(d, zone) if mode == "day" else [])
        for d in days
        for p in practitioners
    ]
    hours = [f"{h:02d}:00" for h in range(DAY_START.hour, DAY_END.hour)]
    height = (_minutes(DAY_END) - _minutes(DAY_START)) * PX_PER_MINUTE
    return CalendarView(location, days, columns, hours, height, mode)


def _minutes(t: time) -> int:
    return (t.hour * 60 + t.minute) - (DAY_START.hour * 60 + DAY_START.minute)


def _slots(day: date, zone: ZoneInfo) -> list[tuple[str, str]]:
    out = []
    minutes = DAY_START.hour * 60
    while minutes < DAY_END.hour * 60:
        local = datetime.combine(day, time(minutes // 60, minutes % 60), zone)
        out.append((local.astimezone(ZoneInfo("UTC")).isoformat(), f"{local:%H:%M}"))
        minutes += 15
    return out


def upcoming_for_client(client: Client, now: datetime) -> QuerySet[Appointment]:
    return (
        Appointment.objects.for_clinic(client.clinic_id)
        .filter(client=client, start__gte=now - timedelta(hours=12))
        .select_related("location", "practitioner__user", "room", "appointment_type", "series")
        .order_by("start")
    )


def open_waitlist(clinic: Clinic) -> QuerySet[WaitlistEntry]:
    return (
        WaitlistEntry.objects.for_clinic(clinic)
        .filter(status__in=[WaitlistStatus.WAITING, WaitlistStatus.OFFERED])
        .select_related(
            "client",
            "appointment_type",
            "location",
            "practitioner__user",
            "offered_practitioner__user",
            "offered_room__location",
        )
    )


def practitioner_feed_appointments(practitioner: Membership, now: datetime) -> QuerySet[Appointment]:
    # Past month and everything ahead: enough for a phone calendar, bounded for the feed's size.
    return (
        Appointment.objects.for_clinic(practitioner.clinic_id)
        .filter(practitioner=practitioner, start__gte=now - timedelta(days=31))
        .select_related("client", "location", "room", "device", "appointment_type")
        .order_by("start")
    )


