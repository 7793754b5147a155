"""The per-thread snapshot cache (clinic/booking/snapshot_cache.py) stays equal to a fresh load
from the database through bookings, moves, cancellations and set-up changes, and is bypassed
inside transactions (it may only hold committed rows)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import cast

import pytest
from django.db import transaction

from needlepoint import scheduling as eng
from needlepoint.clinic.accounts.models import Membership
from needlepoint.clinic.booking import engine, services, snapshot_cache
from needlepoint.clinic.booking.models import WeeklyShift
from needlepoint.clinic.clinics.models import Clinic
from needlepoint.clinic.permissions import SystemActor
from tests.clinic.booking.conftest import NOW, make_booking_world, spec
from tests.conftest import make_clinic_world

LO = datetime(2027, 1, 4, tzinfo=UTC)
HI = datetime(2027, 4, 30, tzinfo=UTC)


def _pairs(calendars: eng.Calendars, lo: int, hi: int) -> dict[str, list[tuple[int, int]]]:
    """Every resource's busy blocks inside [lo, hi), keyed by kind and id (empty ones dropped)."""
    out = {}
    for kind, table in (("p", calendars.practitioners), ("r", calendars.rooms), ("d", calendars.devices)):
        for key, cal in table.items():
            blocks = cal.segments(lo, hi)
            if blocks:
                out[f"{kind}{key}"] = blocks
    return out


def _assert_cache_matches_database(clinic: object) -> None:
    lo, hi = int(LO.timestamp()), int(HI.timestamp())
    cached = engine.load_snapshot(clinic, LO, HI)  # type: ignore[arg-type]
    fresh = engine._load_snapshot(clinic, LO, HI)  # type: ignore[arg-type]
    assert _pairs(cached.calendars, lo, hi) == _pairs(fresh.calendars, lo, hi)
    for part in ("locations", "practitioners", "rooms", "devices"):
        assert getattr(cached.clinic, part) == getattr(fresh.clinic, part), part


@pytest.mark.django_db(transaction=True)
def test_cache_follows_every_write() -> None:
    snapshot_cache.clear()
    bw = make_booking_world(make_clinic_world("K"), practitioners=2, rooms=2, devices=2)
    clinic = cast(Clinic, bw.world.clinic)
    _assert_cache_matches_database(clinic)  # first load (empty)

    s = spec(bw, sessions=3)
    result, _ = services.search_series(clinic, s, now=NOW)
    series = services.book_series(
        clinic, s, list(result.options[0].sessions), actor=SystemActor(clinic.pk, "test")
    )
    _assert_cache_matches_database(clinic)  # picked up by refresh, not reload
    cache = snapshot_cache._local.busy[clinic.pk]
    assert set(cache.rows) == set(series.appointments.values_list("pk", flat=True))

    first = series.appointments.order_by("start")[0]
    owner = cast(Membership, bw.world.memberships["owner"])
    outcome = services.reschedule_appointment(first, first.start + timedelta(hours=2), actor=owner, now=NOW)
    assert outcome.applied
    _assert_cache_matches_database(clinic)

    services.cancel_appointment(
        series.appointments.order_by("-start")[0], actor=owner, reason="test", now=NOW
    )
    _assert_cache_matches_database(clinic)
    assert len(cache.rows) == 2 and snapshot_cache._local.busy[clinic.pk] is cache

    # A set-up change (a shift moves) rebuilds the static part: the search sees the new hours.
    shift = WeeklyShift.objects.filter(clinic=clinic)[0]
    shift.end = shift.end.replace(hour=12)
    shift.save()
    _assert_cache_matches_database(clinic)

    # A search next to a freed slot finds it again through the cache.
    again, _ = services.search_series(
        clinic, spec(bw, sessions=1, first=date(2027, 1, 5), last=date(2027, 1, 5)), now=NOW
    )
    assert again.found


@pytest.mark.django_db(transaction=True)
def test_cache_is_bypassed_inside_a_transaction() -> None:
    snapshot_cache.clear()
    bw = make_booking_world(make_clinic_world("T"))
    clinic = cast(Clinic, bw.world.clinic)
    engine.load_snapshot(clinic, LO, HI)
    assert clinic.pk in snapshot_cache._local.busy
    snapshot_cache.clear()
    with transaction.atomic():
        assert not snapshot_cache.enabled()
        engine.load_snapshot(clinic, LO, HI)
    assert "busy" not in snapshot_cache._local.__dict__
