"""Which messages an appointment causes, and when: a pure function of the appointment's facts,
the protocol's aftercare timeline and the client's consent (no database, no clock).

Offsets after a session come from the protocol data (`aftercare:` in protocol.yaml): make-up is
OK when `light_makeup` starts, actives when `avoid_actives` ends; the post-session message lists
every event that starts at the end of the session. Reminders before a session are fixed
operational choices (48 h and 24 h), not clinical rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from .models import Channel, Kind

# "48 h / 24 h before" means two days / one day before at the same local clock time, so a
# reminder stays at 10:00 when a DST change falls in between (it is then 47 or 49 real hours).
REMINDERS = ((Kind.REMINDER_48H, 2), (Kind.REMINDER_24H, 1))
CHECKIN_AFTER = timedelta(hours=48)
# The numbing reminder arrives this long before the cream goes on, so the client can get ready.
NUMBING_LEAD = timedelta(minutes=45)
# Short, time-critical kinds also go by SMS when the client agreed to texts.
SMS_KINDS = frozenset({Kind.REMINDER_24H, Kind.NUMBING, Kind.CHECKIN, Kind.NEXT_SESSION})


class AftercareLike(Protocol):
    """The protocol's AftercareSpec, read-only (so the engine's pydantic model fits)."""

    @property
    def title(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def starts_after_hours(self) -> int: ...
    @property
    def ends_after_hours(self) -> int | None: ...
    @property
    def regions(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class SessionFacts:
    start: datetime  # aware UTC
    arrival: datetime
    end: datetime
    timezone: str
    numbing_minutes: int
    numbing_at_home: bool
    is_last_of_series: bool
    is_follow_up: bool = False  # a second or later session of a series
    regions: frozenset[str] = frozenset({"face"})


@dataclass(frozen=True)
class Consent:
    email: str = ""
    phone: str = ""
    consent_email: bool = False
    consent_sms: bool = False

    def channels(self, kind: str) -> list[str]:
        out: list[str] = []
        if self.consent_email and self.email:
            out.append(Channel.EMAIL)
        if self.consent_sms and self.phone and kind in SMS_KINDS:
            out.append(Channel.SMS)
        return out


@dataclass(frozen=True)
class Planned:
    kind: str
    channel: str
    due_at: datetime
    context: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Offsets:
    review_days: int = 7
    touch_up_days: int = 180
    next_session_days_before: int = 7


def shift_local(moment: datetime, zone: ZoneInfo, days: int) -> datetime:
    """Move by whole days on the local wall clock (DST-safe), returning UTC-aware."""
    local = moment.astimezone(zone)
    wall = datetime.combine(local.date() + timedelta(days=days), local.timetz().replace(tzinfo=None))
    return wall.replace(tzinfo=zone).astimezone(moment.tzinfo)


def local_text(moment: datetime, zone: ZoneInfo) -> str:
    """'Tuesday 5 January 2027 at 14:00' in the location's zone (DST-correct via zoneinfo)."""
    local = moment.astimezone(zone)
    return f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M}"


def plan_messages(
    s: SessionFacts,
    aftercare: Mapping[str, AftercareLike],
    consent: Consent,
    *,
    now: datetime,
    offsets: Offsets = Offsets(),
) -> list[Planned]:
    zone = ZoneInfo(s.timezone)
    events = {
        code: e for code, e in aftercare.items() if not e.regions or not s.regions.isdisjoint(e.regions)
    }
    numbing_at = s.start - timedelta(minutes=s.numbing_minutes)
    ctx: dict[str, str] = {
        "session_time": local_text(s.start, zone),
        "session_clock": f"{s.start.astimezone(zone):%H:%M}",
        "arrival_time": local_text(s.arrival, zone),
        "numbing_clock": f"{numbing_at.astimezone(zone):%H:%M}",
        "numbing_minutes": str(s.numbing_minutes),
        "aftercare": "\n".join(
            f"- {e.title}: {' '.join(e.text.split())}" for e in events.values() if e.starts_after_hours == 0
        ),
    }
    due: list[tuple[str, datetime]] = [(kind, shift_local(s.start, zone, -days)) for kind, days in REMINDERS]
    if s.numbing_at_home and s.numbing_minutes:
        due.append((Kind.NUMBING, numbing_at - NUMBING_LEAD))
    due.append((Kind.AFTERCARE, s.end))
    if "light_makeup" in events:
        at = s.end + timedelta(hours=events["light_makeup"].starts_after_hours)
        ctx["makeup_from"] = local_text(at, zone)
        due.append((Kind.MAKEUP_OK, at))
    actives = events.get("avoid_actives")
    if actives is not None and actives.ends_after_hours is not None:
        at = s.end + timedelta(hours=actives.ends_after_hours)
        ctx["actives_from"] = local_text(at, zone)
        due.append((Kind.ACTIVES_OK, at))
    due.append((Kind.CHECKIN, s.end + CHECKIN_AFTER))
    if s.is_follow_up:  # each later session announces itself a week ahead
        ctx["next_session_time"] = ctx["session_time"]
        due.append((Kind.NEXT_SESSION, shift_local(s.start, zone, -offsets.next_session_days_before)))
    if s.is_last_of_series:
        due.append((Kind.REVIEW, shift_local(s.end, zone, offsets.review_days)))
        due.append((Kind.TOUCH_UP, shift_local(s.end, zone, offsets.touch_up_days)))
    out: list[Planned] = []
    for kind, at in due:
        if at < now:  # a reminder whose moment has passed is not worth sending late
            continue
        out.extend(Planned(kind, channel, at, ctx) for channel in consent.channels(kind))
    return out
