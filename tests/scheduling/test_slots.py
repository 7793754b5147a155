"""Single-session slots: buffers, lead time, horizon, resource conflicts, DST grid."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from needlepoint.scheduling import (
    Appointment,
    AppointmentType,
    Clinic,
    Device,
    InvalidConfigurationError,
    Location,
    NumbingPlace,
    Room,
    Slot,
    SlotQuery,
    TimeOfDay,
    UnknownResourceError,
)

from .helpers import at, busy, clinic, practitioner, scheduler, treatment

LONDON = "Europe/London"
DAY = date(2027, 6, 7)  # a Monday in summer time
MIDNIGHT = datetime(2027, 6, 6, 0, tzinfo=UTC)
TZ = ZoneInfo(LONDON)


def local_times(slots: list[Slot]) -> list[str]:
    return [s.start.astimezone(TZ).strftime("%H:%M") for s in slots]


def grid(first: str, last: str, step: int = 15) -> list[str]:
    h, m = map(int, first.split(":"))
    t = datetime(2000, 1, 1, h, m)
    h2, m2 = map(int, last.split(":"))
    end = datetime(2000, 1, 1, h2, m2)
    out = []
    while t <= end:
        out.append(t.strftime("%H:%M"))
        t += timedelta(minutes=step)
    return out


def slots_for(kind: AppointmentType, the_clinic: Clinic | None = None, calendars=None,  # type: ignore[no-untyped-def]
              now: datetime = MIDNIGHT, day: date = DAY, **policy):
    sch = scheduler(the_clinic or clinic(), calendars, now=now, **policy)
    return sch.find_slots(SlotQuery(kind, day, day))


def test_whole_visit_must_fit_in_working_hours() -> None:
    slots = slots_for(treatment())
    # Arrival (start - 45 min numbing) >= 09:00 and start + 60 min + 15 min cleaning <= 17:00.
    assert local_times(slots) == grid("09:45", "15:45")
    first = slots[0].appointment()
    assert first.local_arrival.time() == time(9)
    assert first.practitioner_interval.end.astimezone(TZ).time() == time(11)


def test_numbing_in_the_room_occupies_it_and_in_the_waiting_area_does_not() -> None:
    room_busy = busy(rooms={"soho-r1": [(at(LONDON, DAY, 11), at(LONDON, DAY, 12))]})
    in_room = local_times(slots_for(treatment(place=NumbingPlace.ROOM), calendars=room_busy))
    waiting = local_times(slots_for(treatment(place=NumbingPlace.WAITING_AREA), calendars=room_busy))
    assert in_room == ["09:45", *grid("12:45", "15:45")]
    assert waiting == ["09:45", *grid("12:00", "15:45")]


def test_cleaning_keeps_the_room_busy() -> None:
    room_busy = busy(rooms={"soho-r1": [(at(LONDON, DAY, 13), at(LONDON, DAY, 17))]})
    assert local_times(slots_for(treatment(cleaning=15), calendars=room_busy))[-1] == "11:45"
    assert local_times(slots_for(treatment(cleaning=0), calendars=room_busy))[-1] == "12:00"


def test_cleaning_keeps_the_practitioner_busy_only_when_they_clean() -> None:
    p_busy = busy(practitioners={"p1": [(at(LONDON, DAY, 13), at(LONDON, DAY, 14))]})
    cleans = local_times(slots_for(treatment(practitioner_cleans=True), calendars=p_busy))
    assistant = local_times(slots_for(treatment(practitioner_cleans=False), calendars=p_busy))
    assert cleans == [*grid("09:45", "11:45"), *grid("14:00", "15:45")]
    # Without cleaning the practitioner is free at 12:00 (ends 13:00) and works until 16:00.
    assert assistant == [*grid("09:45", "12:00"), *grid("14:00", "16:00")]


def test_appointment_intervals_follow_the_type() -> None:
    start = at(LONDON, DAY, 10)
    room = Appointment.build(treatment(), start, location_id="soho", timezone=LONDON,
                             practitioner_id="p1", room_id="soho-r1", device_id="soho-d1")
    assert room.arrival == start - timedelta(minutes=45)
    assert room.room_interval.start == start - timedelta(minutes=45)
    assert room.room_interval.end == start + timedelta(minutes=75)
    assert room.practitioner_interval.duration == timedelta(minutes=75)
    assert room.device_interval is not None and room.device_interval.duration == timedelta(minutes=75)
    waiting = Appointment.build(treatment(place=NumbingPlace.WAITING_AREA, practitioner_cleans=False),
                                start, location_id="soho", timezone=LONDON, practitioner_id="p1",
                                room_id="soho-r1")
    assert waiting.room_interval.start == start
    assert waiting.practitioner_interval.duration == timedelta(minutes=60)
    assert waiting.visit.duration == timedelta(minutes=105)


def test_lead_time_moves_the_first_slot() -> None:
    now = at(LONDON, DAY, 9)
    slots = slots_for(treatment(), now=now, lead=timedelta(hours=2))
    # The client must arrive at or after 11:00, so the treatment starts at 11:45 at the earliest.
    assert local_times(slots)[0] == "11:45"


def test_horizon_cuts_off_later_slots() -> None:
    now = at(LONDON, DAY - timedelta(days=3), 12)
    sch = scheduler(clinic(), now=now, horizon=timedelta(days=3))
    slots = sch.find_slots(SlotQuery(treatment(), DAY - timedelta(days=1), DAY + timedelta(days=1)))
    last = slots[-1].appointment()
    assert last.arrival <= now + timedelta(days=3)
    assert last.local_start.date() == DAY and last.local_start.time() == time(12, 45)


@pytest.mark.parametrize("kind", ["practitioners", "rooms", "devices"])
def test_each_resource_can_block_the_whole_day(kind: str) -> None:
    ids = {"practitioners": "p1", "rooms": "soho-r1", "devices": "soho-d1"}
    all_day = {ids[kind]: [(at(LONDON, DAY, 0), at(LONDON, DAY, 23))]}
    assert slots_for(treatment(), calendars=busy(**{kind: all_day})) == []
    if kind == "devices":  # a treatment without a device does not care
        assert slots_for(treatment(device=False), calendars=busy(**{kind: all_day}))


def test_a_second_resource_of_each_kind_keeps_slots_open() -> None:
    two = clinic([practitioner("p1"), practitioner("p2")], rooms=2, devices=2)
    blocked = busy(
        practitioners={"p1": [(at(LONDON, DAY, 0), at(LONDON, DAY, 23))]},
        rooms={"soho-r1": [(at(LONDON, DAY, 0), at(LONDON, DAY, 23))]},
        devices={"soho-d1": [(at(LONDON, DAY, 0), at(LONDON, DAY, 23))]},
    )
    slots = slots_for(treatment(), the_clinic=two, calendars=blocked)
    assert len(slots) == 25
    assert {(s.practitioner_ids, s.room_ids, s.device_ids) for s in slots} == {
        (("p2",), ("soho-r2",), ("soho-d2",))
    }


def test_device_kind_depth_and_location_must_match() -> None:
    base = clinic()
    shallow = Clinic(
        locations=base.locations.values(), practitioners=base.practitioners.values(),
        rooms=base.rooms.values(),
        devices=[Device("d-shallow", "soho", "pen", Decimal("1.0")),
                 Device("d-laser", "soho", "laser", Decimal(3))],
    )
    assert slots_for(treatment(min_depth="1.5"), the_clinic=shallow) == []
    assert len(slots_for(treatment(min_depth="1.0"), the_clinic=shallow)) == 25
    elsewhere = Clinic(
        locations=[Location("soho", LONDON), Location("bank", LONDON)],
        practitioners=base.practitioners.values(), rooms=base.rooms.values(),
        devices=[Device("d-bank", "bank", "pen", Decimal("2.5"))],
    )
    assert slots_for(treatment(), the_clinic=elsewhere) == []


def test_room_tags_and_practitioner_qualifications() -> None:
    kind = AppointmentType("peel", timedelta(minutes=30), room_tags=frozenset({"sink"}))
    plain = clinic()
    assert slots_for(kind, the_clinic=plain) == []
    with_sink = Clinic(locations=plain.locations.values(), practitioners=plain.practitioners.values(),
                       rooms=[Room("wet", "soho", tags=frozenset({"sink", "window"}))])
    assert slots_for(kind, the_clinic=with_sink)
    unqualified = clinic([practitioner("p1", appointment_types=frozenset({"consult"}))])
    assert slots_for(treatment(), the_clinic=unqualified) == []


def test_practitioner_time_off_and_location_closure() -> None:
    from needlepoint.scheduling import Interval

    off = practitioner("p1", time_off=(Interval(at(LONDON, DAY, 0), at(LONDON, DAY, 12)),))
    assert local_times(slots_for(treatment(), the_clinic=clinic([off])))[0] == "12:45"
    closed = Clinic(locations=[Location("soho", LONDON, closed=frozenset({DAY}))],
                    practitioners=[practitioner("p1")], rooms=[Room("soho-r1", "soho")],
                    devices=[Device("soho-d1", "soho", "pen", Decimal("2.5"))])
    assert slots_for(treatment(), the_clinic=closed) == []


@pytest.mark.parametrize(
    ("zone", "day"),
    [("Europe/London", date(2027, 3, 28)), ("Europe/London", date(2027, 10, 31)),
     ("America/New_York", date(2027, 3, 14)), ("America/New_York", date(2027, 11, 7)),
     ("Australia/Sydney", date(2027, 4, 4)), ("Australia/Sydney", date(2027, 10, 3))],
)
def test_grid_stays_on_local_quarter_hours_on_dst_days(zone: str, day: date) -> None:
    the_clinic = clinic(zone=zone)
    now = datetime.combine(day - timedelta(days=2), time(0), tzinfo=UTC)
    slots = scheduler(the_clinic, now=now).find_slots(SlotQuery(treatment(), day, day))
    local = [s.start.astimezone(ZoneInfo(zone)) for s in slots]
    assert [t.strftime("%H:%M") for t in local] == grid("09:45", "15:45")
    assert all(t.date() == day for t in local)


def test_time_of_day_filter_applies_to_arrival() -> None:
    sch = scheduler(clinic(), now=MIDNIGHT)
    afternoon = sch.find_slots(SlotQuery(treatment(), DAY, DAY, time_of_day=TimeOfDay.AFTERNOON))
    assert afternoon[0].arrival.astimezone(TZ).time() == time(12)
    assert local_times(afternoon)[0] == "12:45"


def test_slot_query_validation() -> None:
    sch = scheduler(clinic(), now=MIDNIGHT)
    with pytest.raises(UnknownResourceError, match="atlantis"):
        sch.find_slots(SlotQuery(treatment(), DAY, DAY, location_ids=frozenset({"atlantis"})))
    with pytest.raises(InvalidConfigurationError, match="not a string"):
        SlotQuery(treatment(), DAY, DAY, practitioner_ids="p1")  # type: ignore[arg-type]
    slot = sch.find_slots(SlotQuery(treatment(), DAY, DAY))[0]
    with pytest.raises(InvalidConfigurationError, match="not free"):
        slot.appointment(practitioner_id="p9")
