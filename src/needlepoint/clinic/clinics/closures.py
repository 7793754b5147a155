"""When a location is closed: the clinic's own closures and, where the location asks for it,
the public holidays of its country and region (the maintained `holidays` package).

One read for every consumer (the scheduling engine's inputs, the calendar), so availability,
the series search, booking and what staff see cannot disagree."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import lru_cache

import holidays
from django.db.models import Q
from holidays.registry import COUNTRIES

from .models import Clinic, Closure, Location


@dataclass(frozen=True)
class ClosedPeriod:
    """Closed on local ``day``: all day when ``start`` is None, else ``[start, end)`` local."""

    day: date
    reason: str
    start: time | None = None
    end: time | None = None

    @property
    def all_day(self) -> bool:
        return self.start is None


def country_choices() -> list[tuple[str, str]]:
    """(ISO code, name) of every country the holiday calendar knows, by name."""
    names = {module: " ".join(w.capitalize() for w in module.split("_")) for module in COUNTRIES}
    return sorted(((codes[1], names[module]) for module, codes in COUNTRIES.items()), key=lambda c: c[1])


def holiday_problem(country: str, subdivision: str) -> str | None:
    """Why (country, subdivision) has no holiday calendar, or None when it has one."""
    supported = holidays.list_supported_countries()
    if country.upper() not in supported:
        return f"No public-holiday calendar for country '{country}'. Use an ISO code such as GB or US."
    if subdivision and subdivision.upper() not in {s.upper() for s in supported[country.upper()]}:
        regions = ", ".join(supported[country.upper()][:40])
        return f"'{subdivision}' is not a region of {country.upper()}; use one of: {regions}."
    return None


@lru_cache(maxsize=256)
def _holidays(country: str, subdivision: str, year: int) -> tuple[tuple[date, str], ...]:
    try:
        calendar = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    except (NotImplementedError, KeyError):  # a country or region the package does not know
        return ()
    return tuple(sorted(calendar.items()))


def public_holidays(location: Location, first: date, last: date) -> list[ClosedPeriod]:
    country = location.holiday_country
    if not location.closed_on_public_holidays or not country:
        return []
    out = []
    for year in range(first.year, last.year + 1):
        for day, name in _holidays(country, location.subdivision.upper(), year):
            if first <= day <= last:
                out.append(ClosedPeriod(day, f"Public holiday: {name}"))
    return out


def closed_periods(
    clinic: Clinic | int, locations: Iterable[Location], first: date, last: date
) -> dict[int, list[ClosedPeriod]]:
    """Each location's closed periods on local dates ``first..last`` (inclusive), by day."""
    locations = list(locations)
    out: dict[int, list[ClosedPeriod]] = defaultdict(list)
    rows = Closure.objects.for_clinic(clinic).filter(
        Q(location__isnull=True) | Q(location__in=[loc.pk for loc in locations]),
        first_day__lte=last,
        last_day__gte=first,
    )
    for row in rows:
        day = max(row.first_day, first)
        end = min(row.last_day, last)
        while day <= end:
            for loc in locations:
                if row.location_id in (None, loc.pk):
                    out[loc.pk].append(ClosedPeriod(day, row.reason, row.start_time, row.end_time))
            day += timedelta(days=1)
    for loc in locations:
        out[loc.pk].extend(public_holidays(loc, first, last))
        out[loc.pk].sort(key=lambda p: (p.day, p.start or time(0)))
    return out
