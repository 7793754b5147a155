"""Series requests (N sessions with windows and preferences) and search results."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from needlepoint.scheduling.appointments import Appointment, AppointmentType
from needlepoint.scheduling.errors import InvalidConfigurationError, InvalidWindowError
from needlepoint.scheduling.explain import Explanation
from needlepoint.scheduling.intervals import Interval
from needlepoint.scheduling.preferences import Preferences
from needlepoint.scheduling.windows import DateWindow, GapWindow


@dataclass(frozen=True, slots=True)
class SessionSpec:
    """Constraints of one session.

    ``window`` is absolute (local dates); ``gap`` is relative to the previous session's date and
    must be ``None`` for the first session. Both apply when both are given (intersection). A
    later session without a gap only has to come after the previous one.
    """

    window: DateWindow = field(default_factory=DateWindow)
    gap: GapWindow | None = None
    appointment_type: AppointmentType | None = None  # overrides the request's type


@dataclass(frozen=True, slots=True)
class SeriesRequest:
    """Book ``len(sessions)`` sessions for one client.

    ``location_ids`` / ``practitioner_ids`` are hard filters (``None`` = any);
    ``client_busy`` are the client's other commitments (aware intervals) to avoid.
    """

    appointment_type: AppointmentType
    sessions: tuple[SessionSpec, ...]
    preferences: Preferences = field(default_factory=Preferences)
    location_ids: frozenset[str] | None = None
    practitioner_ids: frozenset[str] | None = None
    client_busy: tuple[Interval, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "sessions", tuple(self.sessions))
        object.__setattr__(self, "client_busy", tuple(self.client_busy))
        for name in ("location_ids", "practitioner_ids"):
            value = getattr(self, name)
            if value is not None:
                if isinstance(value, str):
                    raise InvalidConfigurationError(f"{name} must be a set of ids, not a string")
                object.__setattr__(self, name, frozenset(value))
                if not getattr(self, name):
                    raise InvalidConfigurationError(f"{name} is empty: nothing could be booked")
        if not self.sessions:
            raise InvalidWindowError("a series needs at least one session")
        if self.sessions[0].gap is not None:
            raise InvalidWindowError("the first session cannot have a gap (there is no previous one)")

    @classmethod
    def regular(
        cls,
        appointment_type: AppointmentType,
        *,
        count: int,
        first_earliest: date,
        first_latest: date,
        min_days: int = 28,
        max_days: int = 42,
        windows: Sequence[DateWindow | None] | None = None,
        preferences: Preferences | None = None,
        location_ids: Iterable[str] | None = None,
        practitioner_ids: Iterable[str] | None = None,
        client_busy: Iterable[Interval] = (),
    ) -> SeriesRequest:
        """The common case: ``count`` sessions ``min_days``-``max_days`` apart.

        ``windows[i]`` (optional) adds an absolute window to session ``i``.
        """
        if not isinstance(count, int) or count < 1:
            raise InvalidWindowError(f"count must be a positive integer, got {count!r}")
        if windows is not None and len(windows) != count:
            raise InvalidWindowError(f"windows has {len(windows)} entries for {count} sessions")
        gap = GapWindow(min_days, max_days)
        first = DateWindow(first_earliest, first_latest)
        specs = []
        for i in range(count):
            extra = windows[i] if windows is not None else None
            window = first if i == 0 else DateWindow()
            if extra is not None:
                window = intersect(window, extra, f"session {i + 1}")
            specs.append(SessionSpec(window=window, gap=None if i == 0 else gap))
        return cls(
            appointment_type=appointment_type,
            sessions=tuple(specs),
            preferences=preferences or Preferences(),
            location_ids=None if location_ids is None else frozenset(location_ids),
            practitioner_ids=None if practitioner_ids is None else frozenset(practitioner_ids),
            client_busy=tuple(client_busy),
        )

    def type_of(self, index: int) -> AppointmentType:
        return self.sessions[index].appointment_type or self.appointment_type


def intersect(a: DateWindow, b: DateWindow, what: str) -> DateWindow:
    earliest = max((d for d in (a.earliest, b.earliest) if d is not None), default=None)
    latest = min((d for d in (a.latest, b.latest) if d is not None), default=None)
    if earliest is not None and latest is not None and earliest > latest:
        raise InvalidWindowError(f"{what}: windows {a} and {b} do not intersect")
    return DateWindow(earliest, latest)


@dataclass(frozen=True, slots=True)
class SeriesOption:
    """One complete, feasible set of appointments.

    ``score`` in ``[0, 1]`` is how well it meets the soft preferences; ``span`` runs from the
    first treatment start to the last treatment end.
    """

    sessions: tuple[Appointment, ...]
    score: float

    @property
    def first_day(self) -> date:
        return self.sessions[0].day

    @property
    def span(self) -> timedelta:
        return self.sessions[-1].end - self.sessions[0].start

    @property
    def practitioner_ids(self) -> tuple[str, ...]:
        return tuple(s.practitioner_id for s in self.sessions)

    def rank_key(self) -> tuple[date, float, timedelta, object]:
        """Ranking: first-session date, then higher score, then shorter span, then earlier start."""
        return (self.first_day, -self.score, self.span, self.sessions[0].start)


@dataclass(frozen=True, slots=True)
class SearchLimits:
    """Bounds on the work one search may do.

    Work is counted in steps: day grids built, busy calendars scanned and candidates tried
    (about 3-6 microseconds each). ``max_steps`` bounds the search for the earliest series and
    the explanation; when it runs out the result says ``complete=False``. ``option_steps``
    bounds the extra work spent on alternatives once the earliest is known (a partial list is
    then returned with ``options_complete=False``). The other fields shape the alternatives.
    """

    max_steps: int = 50_000
    option_steps: int = 2_000
    anchors_per_day: int = 3  # first-session practitioners tried per first date for options
    options_per_day: int = 2  # at most this many alternatives share a first-session date
    option_days: int = 14  # first-session dates scanned for alternatives after the earliest

    def __post_init__(self) -> None:
        for name in ("max_steps", "option_steps", "anchors_per_day", "options_per_day",
                     "option_days"):
            if getattr(self, name) < 1:
                raise InvalidConfigurationError(f"SearchLimits.{name} must be >= 1")


@dataclass(frozen=True, slots=True)
class SeriesResult:
    """Outcome of :meth:`Scheduler.search_series`.

    ``earliest`` is the earliest feasible series (lexicographic by session start, the first one
    the depth-first search meets). ``options`` are up to ``max_options`` alternatives ranked by
    :meth:`SeriesOption.rank_key`; the earliest series' first date always leads. When nothing is
    found, ``explanation`` says why per session. ``complete`` is False when the step budget ran
    out before the earliest series was settled (then "nothing found" means "nothing found
    within the budget"); ``options_complete`` is False when the alternatives were cut short.
    """

    earliest: SeriesOption | None
    options: tuple[SeriesOption, ...]
    explanation: Explanation | None
    complete: bool
    steps: int
    options_complete: bool = True

    @property
    def found(self) -> bool:
        return self.earliest is not None
