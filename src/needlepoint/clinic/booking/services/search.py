"""Finding series and single slots: load the window from the database, ask the engine."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TypedDict
from zoneinfo import ZoneInfo

from needlepoint import scheduling as eng
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Clinic
from needlepoint.clinic.errors import InvalidInput

from ..engine import Snapshot, client_busy, engine_type, load_snapshot
from ..models import AppointmentType, Series
from .errors import BookingError
from .preferences import preferences_from_json, preferences_to_json

#: Bounds of a series request: no protocol course has more sessions or longer gaps, and a first
#: window longer than a year is a typing mistake (the engine would search all of it).
MAX_SESSIONS = 12
MAX_GAP_DAYS = 366
MAX_FIRST_WINDOW_DAYS = 366
PAST_MESSAGE = "This date is in the past."


class SeriesShape(TypedDict):
    """How many sessions, the first one's date window and the gaps: what a SeriesSpec, the Series
    row booked from it and `series_problems` have in common."""

    sessions: int
    first_earliest: date
    first_latest: date
    gap_min_days: int
    gap_max_days: int


def series_shape(of: SeriesSpec | Series) -> SeriesShape:
    return SeriesShape(
        sessions=of.sessions,
        first_earliest=of.first_earliest,
        first_latest=of.first_latest,
        gap_min_days=of.gap_min_days,
        gap_max_days=of.gap_max_days,
    )


@dataclass(frozen=True)
class SeriesSpec:
    """What staff ask for: N sessions of a type, the first in a date window, gaps in days."""

    client: Client
    appointment_type: AppointmentType
    sessions: int
    first_earliest: date
    first_latest: date
    gap_min_days: int = 28
    gap_max_days: int = 42
    preferences: eng.Preferences = field(default_factory=eng.Preferences)
    location_ids: frozenset[str] | None = None
    practitioner_ids: frozenset[str] | None = None
    source: str = ""
    plan_id: int | None = None

    def __post_init__(self) -> None:
        problems = series_problems(**series_shape(self))
        if problems:
            raise InvalidInput(fields=problems)

    def check_not_past(self, today: date) -> None:
        """The first session may not be wanted before `today` (the location's local date, from
        the one clock). Exact, no tolerance: the date is local, so there is no zone slack to
        allow for. Checked when searching and booking, not when a booked series is re-read."""
        if self.first_earliest < today:
            raise InvalidInput(PAST_MESSAGE, field="first_earliest")

    @classmethod
    def of_series(cls, series: Series) -> SeriesSpec:
        """The spec a booked series was made from (to re-validate it when a session moves)."""
        return cls(
            client=series.client,
            appointment_type=series.appointment_type,
            **series_shape(series),
            preferences=preferences_from_json(series.preferences),
            source=series.source,
            plan_id=series.plan_id,
        )

    def digest(self) -> str:
        """What this request asks for, hashed: a signed option carries it, so it can only be booked
        for the request it answered (client, type, plan, shape, constraints, preferences)."""
        asked = {
            "client": self.client.pk,
            "type": self.appointment_type.pk,
            "plan": self.plan_id,
            **{k: str(v) for k, v in series_shape(self).items()},
            "locations": sorted(self.location_ids) if self.location_ids is not None else None,
            "practitioners": sorted(self.practitioner_ids) if self.practitioner_ids is not None else None,
            "preferences": preferences_to_json(self.preferences),
        }
        return hashlib.sha256(json.dumps(asked, sort_keys=True).encode()).hexdigest()

    def window(self) -> tuple[datetime, datetime]:
        """UTC bounds wide enough for every local date any session could fall on."""
        last = self.first_latest + timedelta(days=max(self.sessions - 1, 0) * self.gap_max_days)
        return _utc_midnight(self.first_earliest - timedelta(days=1)), _utc_midnight(last + timedelta(days=2))

    def request(self, busy: list[eng.Interval]) -> eng.SeriesRequest:
        try:
            return eng.SeriesRequest.regular(
                engine_type(self.appointment_type),
                count=self.sessions,
                first_earliest=self.first_earliest,
                first_latest=self.first_latest,
                min_days=self.gap_min_days,
                max_days=self.gap_max_days,
                preferences=self.preferences,
                location_ids=self.location_ids,
                practitioner_ids=self.practitioner_ids,
                client_busy=busy,
            )
        except eng.SchedulingError as exc:
            raise BookingError(str(exc)) from exc


def series_problems(
    *,
    sessions: int | None = None,
    first_earliest: date | None = None,
    first_latest: date | None = None,
    gap_min_days: int | None = None,
    gap_max_days: int | None = None,
) -> dict[str, list[str]]:
    """Field errors of a series request, whoever sent it. SeriesSpec raises them; a form may ask
    early with what it has (None = not given) to show every problem at once."""
    out: dict[str, list[str]] = {}
    if sessions is not None and not 1 <= sessions <= MAX_SESSIONS:
        out["sessions"] = [f"Book between 1 and {MAX_SESSIONS} sessions."]
    for name, gap in (("gap_min_days", gap_min_days), ("gap_max_days", gap_max_days)):
        if gap is not None and not 1 <= gap <= MAX_GAP_DAYS:
            out[name] = [f"Must be between 1 and {MAX_GAP_DAYS} days."]
    # Compare the gaps only when each is sane on its own (one message per field).
    both = gap_min_days is not None and gap_max_days is not None and not out
    if both and gap_max_days < gap_min_days:  # type: ignore[operator]
        out["gap_max_days"] = ["Must be at least the minimum gap."]
    if first_earliest is not None and first_latest is not None:
        if first_latest < first_earliest:
            out["first_latest"] = ["Must not be before the first date."]
        elif (first_latest - first_earliest).days > MAX_FIRST_WINDOW_DAYS:
            out["first_latest"] = [
                f"The first session's window may span at most {MAX_FIRST_WINDOW_DAYS} days."
            ]
    return out


def local_today(snapshot: Snapshot, spec: SeriesSpec, now: datetime) -> date:
    """Today where the series will happen: the chosen location's zone, else the clinic's first
    location's (the snapshot already holds them, so this costs no query)."""
    locations = snapshot.locations
    chosen = [i for i in (spec.location_ids or ()) if i in locations]
    if len(chosen) == 1:
        zone = locations[chosen[0]].timezone
    elif locations:
        zone = locations[min(locations, key=int)].timezone
    else:
        zone = "UTC"
    return now.astimezone(ZoneInfo(zone)).date()


def _utc_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def search_series(
    clinic: Clinic, spec: SeriesSpec, *, now: datetime, max_options: int = 5
) -> tuple[eng.SeriesResult, Snapshot]:
    start, end = spec.window()
    snapshot = load_snapshot(clinic, start, end)
    spec.check_not_past(local_today(snapshot, spec, now))
    request = spec.request(client_busy(spec.client.pk, start, end))
    return snapshot.scheduler(now).search_series(request, max_options=max_options), snapshot


def search_slots(
    clinic: Clinic,
    appointment_type: AppointmentType,
    first_day: date,
    last_day: date,
    *,
    now: datetime,
    location_ids: frozenset[str] | None = None,
    practitioner_ids: frozenset[str] | None = None,
    limit: int = 200,
) -> tuple[list[eng.Slot], Snapshot]:
    snapshot = load_snapshot(
        clinic, _utc_midnight(first_day - timedelta(days=1)), _utc_midnight(last_day + timedelta(days=2))
    )
    try:
        query = eng.SlotQuery(
            engine_type(appointment_type),
            first_day,
            last_day,
            location_ids=location_ids,
            practitioner_ids=practitioner_ids,
            limit=limit,
        )
    except eng.SchedulingError as exc:
        raise BookingError(str(exc)) from exc
    return snapshot.scheduler(now).find_slots(query), snapshot
