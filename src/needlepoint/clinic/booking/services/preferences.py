"""A series' booking preferences as stored on the Series row (JSON) and back."""

from __future__ import annotations

from datetime import time
from typing import cast

from needlepoint import scheduling as eng


def preferences_to_json(p: eng.Preferences) -> dict[str, object]:
    tod = p.time_of_day
    return {
        "same_practitioner": str(p.same_practitioner),
        "practitioner_id": p.practitioner_id,
        "weekdays": sorted(p.weekdays),
        "time_of_day": str(tod)
        if isinstance(tod, str)
        else ([tod.start.isoformat(), tod.end.isoformat()] if tod else None),
        "location_id": p.location_id,
    }


def preferences_from_json(data: dict[str, object]) -> eng.Preferences:
    tod = data.get("time_of_day")
    time_of_day: eng.TimeOfDay | eng.LocalTimeRange | None = None
    if isinstance(tod, str):
        time_of_day = eng.TimeOfDay(tod)
    elif isinstance(tod, list):
        time_of_day = eng.LocalTimeRange(time.fromisoformat(tod[0]), time.fromisoformat(tod[1]))
    return eng.Preferences(
        same_practitioner=eng.SamePractitioner(str(data.get("same_practitioner", "soft"))),
        practitioner_id=data.get("practitioner_id") or None,  # type: ignore[arg-type]
        weekdays=frozenset(int(w) for w in cast(list[int], data.get("weekdays") or [])),
        time_of_day=time_of_day,
        location_id=data.get("location_id") or None,  # type: ignore[arg-type]
    )
