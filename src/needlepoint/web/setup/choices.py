"""The set-up selects' long lists: every IANA time zone and every ISO 4217 currency, common ones
first. `select-filter.js` adds a filter box above each select; without it they are plain selects."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from needlepoint.clinic.clinics.currencies import COMMON as COMMON_CURRENCIES
from needlepoint.clinic.clinics.currencies import CURRENCIES

Choices = list[tuple[str, str] | tuple[str, list[tuple[str, str]]]]

#: Shown first, in this order: where microneedling clinics using Needlepoint mostly are.
COMMON_ZONES = (
    "Europe/London",
    "Europe/Dublin",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Amsterdam",
    "Europe/Stockholm",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "America/Vancouver",
    "Australia/Sydney",
    "Australia/Melbourne",
    "Australia/Brisbane",
    "Australia/Perth",
    "Pacific/Auckland",
    "Asia/Dubai",
    "Asia/Singapore",
    "Asia/Hong_Kong",
    "Asia/Tokyo",
    "Africa/Johannesburg",
    "UTC",
)
REGIONS: tuple[str, ...] = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia")
REGIONS += ("Europe", "Indian", "Pacific")
#: In the system's list but not places: the server's own zone and tzdata's placeholder.
NOT_PLACES = frozenset({"localtime", "Factory"})


def zone_label(zone: str) -> str:
    return zone.replace("_", " ")


@cache
def timezone_choices() -> Choices:
    """Common zones, then every zone by region, then old names and fixed offsets (GB, US/Eastern,
    Etc/GMT+5) under "Other"."""
    zones = available_timezones() - NOT_PLACES
    common = [(z, zone_label(z)) for z in COMMON_ZONES if z in zones]
    by_region: Choices = [("Common", common)]
    for region in REGIONS:
        members = sorted(z for z in zones if z.startswith(region + "/"))
        by_region.append((region, [(z, zone_label(z)) for z in members]))
    others = sorted(z for z in zones if z.split("/", 1)[0] not in REGIONS)
    by_region.append(("Other", [(z, zone_label(z)) for z in others]))
    return by_region


def currency_label(code: str) -> str:
    return f"{code} — {CURRENCIES[code]}"


@cache
def currency_choices() -> Choices:
    common = [(c, currency_label(c)) for c in COMMON_CURRENCIES]
    return [("Common", common), ("All currencies", [(c, currency_label(c)) for c in sorted(CURRENCIES)])]


def with_current(choices: Choices, current: str) -> Choices:
    """The choices plus `current` when it is not among them (a value saved before the list
    existed stays selectable, so editing something else does not fail on it)."""
    values = {v for _, group in choices if isinstance(group, list) for v, _ in group}
    if not current or current in values:
        return choices
    return [("Current", [(current, current)]), *choices]
