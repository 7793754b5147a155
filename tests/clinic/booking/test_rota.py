"""A practitioner's weekly rota: set in one command, and never two places at once."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from auditlog.models import LogEntry

from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.booking.models import WeeklyShift
from needlepoint.clinic.booking.rota import find_overlap
from needlepoint.clinic.booking.services import RotaOverlap, ShiftSpec, set_weekly_rota
from needlepoint.clinic.clinics.models import Location
from needlepoint.clinic.errors import InvalidInput, NotAllowed, NotFound
from needlepoint.clinic.permissions import SystemActor
from tests.conftest import ClinicWorld

NOW = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)  # a Monday in winter
MON, TUE, SUN = 0, 1, 6


def _location(world: ClinicWorld, name: str, zone: str) -> Location:
    return Location.objects.create(clinic=world.clinic, name=name, timezone=zone)


def _rows(world: ClinicWorld) -> list[tuple[int, str, str, str]]:
    practitioner = world.memberships[Role.PRACTITIONER]
    return [
        (s.weekday, s.location.name, f"{s.start:%H:%M}", f"{s.end:%H:%M}")
        for s in WeeklyShift.objects.filter(practitioner=practitioner).select_related("location")
    ]


def _set(world: ClinicWorld, *shifts: ShiftSpec, role: str = Role.OWNER) -> list[WeeklyShift]:
    return set_weekly_rota(
        world.memberships[Role.PRACTITIONER], list(shifts), actor=world.memberships[role], now=NOW
    )


def test_sets_the_whole_week_and_replaces_what_was_there(clinic_a: ClinicWorld) -> None:
    loc = clinic_a.location
    _set(clinic_a, ShiftSpec(MON, loc, time(9), time(17)), ShiftSpec(TUE, loc, time(9), time(13)))
    first = {s.pk for s in WeeklyShift.objects.all()}
    # Monday unchanged (its row is kept), Tuesday replaced, Sunday added.
    _set(
        clinic_a,
        ShiftSpec(MON, loc, time(9), time(17)),
        ShiftSpec(TUE, loc, time(14), time(18)),
        ShiftSpec(SUN, loc, time(10), time(12)),
    )
    assert _rows(clinic_a) == [
        (MON, loc.name, "09:00", "17:00"),
        (TUE, loc.name, "14:00", "18:00"),
        (SUN, loc.name, "10:00", "12:00"),
    ]
    assert len(first & {s.pk for s in WeeklyShift.objects.all()}) == 1
    _set(clinic_a)  # an empty week clears the rota
    assert _rows(clinic_a) == []


def test_each_change_is_in_the_audit_trail(clinic_a: ClinicWorld) -> None:
    loc = clinic_a.location
    _set(clinic_a, ShiftSpec(MON, loc, time(9), time(17)))
    _set(clinic_a, ShiftSpec(TUE, loc, time(9), time(17)))
    entries = LogEntry.objects.filter(additional_data__clinic_id=clinic_a.clinic.pk).order_by("id")
    actions = [(e.content_type.model, e.action) for e in entries]
    create, delete = LogEntry.Action.CREATE, LogEntry.Action.DELETE
    assert actions[-3:] == [("weeklyshift", create), ("weeklyshift", delete), ("weeklyshift", create)]


def test_overlap_at_the_same_location_is_refused_and_nothing_changes(clinic_a: ClinicWorld) -> None:
    loc = clinic_a.location
    _set(clinic_a, ShiftSpec(MON, loc, time(8), time(12)))
    with pytest.raises(RotaOverlap) as refused:
        _set(clinic_a, ShiftSpec(MON, loc, time(9), time(13)), ShiftSpec(MON, loc, time(12), time(17)))
    assert refused.value.message == "Monday: the shifts 09:00–13:00 and 12:00–17:00 at A High Street overlap."
    assert refused.value.status == 409
    assert _rows(clinic_a) == [(MON, loc.name, "08:00", "12:00")]


def test_two_locations_in_one_zone_at_once_are_refused(clinic_a: ClinicWorld) -> None:
    soho = _location(clinic_a, "Soho", "Europe/London")
    with pytest.raises(RotaOverlap) as refused:
        _set(
            clinic_a,
            ShiftSpec(TUE, clinic_a.location, time(9), time(13)),
            ShiftSpec(TUE, soho, time(12, 30), time(17)),
        )
    assert refused.value.message == (
        "Tuesday: 09:00–13:00 at A High Street and 12:30–17:00 at Soho overlap: one person cannot "
        "work at two locations at the same time."
    )


def test_back_to_back_shifts_are_fine(clinic_a: ClinicWorld) -> None:
    soho = _location(clinic_a, "Soho", "Europe/London")
    loc = clinic_a.location
    _set(
        clinic_a,
        ShiftSpec(MON, loc, time(9), time(13)),
        ShiftSpec(MON, soho, time(13), time(17)),
        ShiftSpec(MON, loc, time(17), time(20)),
    )
    assert len(_rows(clinic_a)) == 3


def test_same_hours_in_different_zones_are_different_instants(clinic_a: ClinicWorld) -> None:
    # 09:00–12:00 in New York is 14:00–17:00 in London (winter): no clash with a London morning.
    new_york = _location(clinic_a, "Fifth Avenue", "America/New_York")
    _set(
        clinic_a,
        ShiftSpec(MON, clinic_a.location, time(9), time(13)),
        ShiftSpec(MON, new_york, time(9), time(12)),
    )
    assert len(_rows(clinic_a)) == 2


def test_different_zones_overlapping_in_real_time_are_refused(clinic_a: ClinicWorld) -> None:
    # London 13:00–17:00 is New York 08:00–12:00: a New York 09:00 start is inside it.
    new_york = _location(clinic_a, "Fifth Avenue", "America/New_York")
    with pytest.raises(RotaOverlap) as refused:
        _set(
            clinic_a,
            ShiftSpec(MON, clinic_a.location, time(13), time(17)),
            ShiftSpec(MON, new_york, time(9), time(12)),
        )
    message = refused.value.message
    assert message.startswith(
        "Monday 13:00–17:00 at A High Street (Europe/London) and Monday 09:00–12:00 at Fifth Avenue "
        "(America/New_York) overlap in real time, e.g. on Monday "
    )
    assert _rows(clinic_a) == []


def test_overlap_only_while_the_zones_summer_times_differ_is_found(clinic_a: ClinicWorld) -> None:
    # London 09:00–13:00 ends at 08:00 New York time in winter and summer, but at 09:00 in the
    # weeks between the US and the EU clock changes (March 2027: US 14th, EU 28th).
    new_york = _location(clinic_a, "Fifth Avenue", "America/New_York")
    with pytest.raises(RotaOverlap) as refused:
        _set(
            clinic_a,
            ShiftSpec(MON, clinic_a.location, time(9), time(13)),
            ShiftSpec(MON, new_york, time(8, 30), time(10)),
        )
    assert "e.g. on Monday 15 March 2027" in refused.value.message


def test_overlap_across_midnight_between_zones_is_found(clinic_a: ClinicWorld) -> None:
    # Tuesday 00:00–02:00 in Auckland (UTC+13 in January) is Monday 11:00–13:00 in London.
    auckland = _location(clinic_a, "Ponsonby", "Pacific/Auckland")
    with pytest.raises(RotaOverlap) as refused:
        _set(
            clinic_a,
            ShiftSpec(MON, clinic_a.location, time(12), time(14)),
            ShiftSpec(TUE, auckland, time(0), time(2)),
        )
    assert "and Tuesday 00:00–02:00 at Ponsonby (Pacific/Auckland)" in refused.value.message


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.FRONT_DESK])
def test_only_owners_set_the_rota(clinic_a: ClinicWorld, role: str) -> None:
    with pytest.raises(NotAllowed):
        _set(clinic_a, ShiftSpec(MON, clinic_a.location, time(9), time(17)), role=role)
    assert _rows(clinic_a) == []


def test_the_system_may_not_set_a_rota(clinic_a: ClinicWorld) -> None:
    with pytest.raises(NotAllowed):
        set_weekly_rota(
            clinic_a.memberships[Role.PRACTITIONER],
            [],
            actor=SystemActor(clinic_a.clinic.pk, "test"),  # type: ignore[attr-defined]
            now=NOW,
        )


def test_another_clinics_practitioner_or_location_is_not_found(
    clinic_a: ClinicWorld, clinic_b: ClinicWorld
) -> None:
    owner = clinic_a.memberships[Role.OWNER]
    with pytest.raises(NotFound):
        set_weekly_rota(clinic_b.memberships[Role.PRACTITIONER], [], actor=owner, now=NOW)
    with pytest.raises(NotFound):
        _set(clinic_a, ShiftSpec(MON, clinic_b.location, time(9), time(17)))  # type: ignore[arg-type]


def test_bad_shifts_and_non_practitioners_are_refused(clinic_a: ClinicWorld) -> None:
    loc = clinic_a.location
    with pytest.raises(InvalidInput, match="must end after it starts"):
        _set(clinic_a, ShiftSpec(MON, loc, time(17), time(9)))
    with pytest.raises(InvalidInput, match="not a weekday"):
        _set(clinic_a, ShiftSpec(7, loc, time(9), time(17)))
    with pytest.raises(InvalidInput, match="not an active practitioner"):
        set_weekly_rota(
            clinic_a.memberships[Role.FRONT_DESK], [], actor=clinic_a.memberships[Role.OWNER], now=NOW
        )
    closed = _location(clinic_a, "Old shop", "Europe/London")
    closed.is_active = False
    closed.save()
    with pytest.raises(InvalidInput, match="not an active location"):
        _set(clinic_a, ShiftSpec(MON, closed, time(9), time(17)))


def test_saving_a_shift_directly_is_refused_too(clinic_a: ClinicWorld) -> None:
    """No write path bypasses the rule: the model refuses an overlapping row."""
    soho = _location(clinic_a, "Soho", "Europe/London")
    practitioner = clinic_a.memberships[Role.PRACTITIONER]
    common = {"clinic": clinic_a.clinic, "practitioner": practitioner, "weekday": MON}
    WeeklyShift.objects.create(location=clinic_a.location, start=time(9), end=time(13), **common)
    with pytest.raises(RotaOverlap, match="at Soho overlap"):
        WeeklyShift.objects.create(location=soho, start=time(10), end=time(11), **common)
    WeeklyShift.objects.create(location=soho, start=time(13), end=time(15), **common)
    # Another practitioner at the same hours is fine: the rule is per person.
    other = clinic_a.memberships[Role.OWNER]
    WeeklyShift.objects.create(
        **{**common, "practitioner": other}, location=soho, start=time(9), end=time(13)
    )
    assert WeeklyShift.objects.count() == 3


def test_find_overlap_only_counts_pairs_with_the_shift_asked_about(clinic_a: ClinicWorld) -> None:
    loc = clinic_a.location
    a, b = ShiftSpec(MON, loc, time(9), time(12)), ShiftSpec(MON, loc, time(10), time(13))
    c = ShiftSpec(TUE, loc, time(9), time(12))
    assert find_overlap([a, b, c], now=NOW) is not None
    assert find_overlap([a, b, c], now=NOW, involving=c) is None

