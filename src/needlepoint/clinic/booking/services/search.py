"""Finding series and single slots: load the window from the database, ask the engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from needlepoint import scheduling as eng
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Clinic

from ..engine import Snapshot, client_busy, engine_type, load_snapshot
from ..models import AppointmentType, Series
from .errors import BookingError


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

    @classmethod
    def of_series(cls, series: Series) -> SeriesSpec:
        """The spec a booked series was made from (to re-validate it when a session moves)."""
        from .book import preferences_from_json

        return cls(
            client=series.client,
            appointment_type=series.appointment_type,
            sessions=series.sessions,
            first_earliest=series.first_earliest,
            first_latest=series.first_latest,
            gap_min_days=series.gap_min_days,
            gap_max_days=series.gap_max_days,
            preferences=preferences_from_json(series.preferences),
            source=series.source,
            plan_id=series.plan_id,
        )

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


def _utc_midnight(day: date) -> datetime:
    from datetime import UTC

    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def search_series(
    clinic: Clinic, spec: SeriesSpec, *, now: datetime, max_options: int = 5
) -> tuple[eng.SeriesResult, Snapshot]:
    start, end = spec.window()
    snapshot = load_snapshot(clinic, start, end)
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
