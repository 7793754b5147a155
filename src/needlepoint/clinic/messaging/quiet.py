"""Quiet hours: a message due inside them is deferred to their end (local time), never dropped."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


def defer_past_quiet_hours(due: datetime, zone_name: str, start: time, end: time) -> datetime:
    """`start`–`end` is a local wall-clock window that may cross midnight (21:00–08:00)."""
    if start == end:
        return due
    zone = ZoneInfo(zone_name)
    local = due.astimezone(zone)
    t = local.time().replace(tzinfo=None)
    if start < end:
        inside, end_day = start <= t < end, local.date()
    elif t >= start:
        inside, end_day = True, local.date() + timedelta(days=1)
    else:
        inside, end_day = t < end, local.date()
    if not inside:
        return due
    # Build the local end time on its own date, so a DST change overnight is handled by zoneinfo.
    return datetime.combine(end_day, end, tzinfo=zone).astimezone(due.tzinfo)


def quiet_window_start(due: datetime, zone_name: str, start: time, end: time) -> datetime:
    """When the quiet window containing `due` began (local `start` on the right evening)."""
    zone = ZoneInfo(zone_name)
    local = due.astimezone(zone)
    day = local.date()
    if start > end and local.time().replace(tzinfo=None) < end:
        day -= timedelta(days=1)  # after midnight: the window opened the evening before
    return datetime.combine(day, start, tzinfo=zone).astimezone(due.tzinfo)


def schedule_outside_quiet_hours(
    due: datetime, zone_name: str, start: time, end: time, *, must_precede: datetime | None = None
) -> datetime:
    """Defer past quiet hours; but a message that must arrive before `must_precede` (a reminder
    before the session) and would be deferred past it goes out just before the window opens."""
    deferred = defer_past_quiet_hours(due, zone_name, start, end)
    if must_precede is None or deferred == due or deferred < must_precede:
        return deferred
    return quiet_window_start(due, zone_name, start, end) - timedelta(minutes=1)
