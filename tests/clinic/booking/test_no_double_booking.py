"""The database, not the application, is the last line against double booking.

PostgreSQL: exclusion constraints refuse overlapping busy intervals per practitioner, room and
device even when the service's own check is bypassed, and many concurrent booking attempts end
with zero overlaps. SQLite: the serialising write transaction plus re-check gives the same
guarantee under threads.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.db import IntegrityError, connections, transaction

from needlepoint.clinic.booking import services
from needlepoint.clinic.booking.engine import engine_appointment
from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.booking.snapshot_cache import RESOURCE_COLUMNS
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.permissions import SystemActor
from tests.clinic.booking.conftest import NOW, make_booking_world, spec
from tests.conftest import make_clinic_world

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def _overlaps() -> int:
    """Pairs of active appointments sharing a resource at the same time (should be 0)."""
    rows = list(Appointment.objects.active().values_list("pk", *RESOURCE_COLUMNS))
    count = 0
    for i, a in enumerate(rows):
        for b in rows[i + 1 :]:
            for k in (1, 4, 7):
                if a[k] is not None and a[k] == b[k] and a[k + 1] < b[k + 2] and b[k + 1] < a[k + 2]:
                    count += 1
    return count


@pytest.mark.skipif(not ON_POSTGRES, reason="exclusion constraints are a PostgreSQL feature")
@pytest.mark.django_db
def test_exclusion_constraints_refuse_overlaps_written_directly() -> None:
    bw = make_booking_world(make_clinic_world("X"))
    s = spec(bw, sessions=1)
    result, _ = services.search_series(bw.world.clinic, s, now=NOW)
    appt = services.book_series(
        bw.world.clinic, s, list(result.options[0].sessions), actor=SystemActor(bw.world.clinic.pk, "test")
    ).appointments.get()
    other = Client.objects.create(
        clinic=bw.world.clinic, first_name="B", last_name="Y", date_of_birth=date(1990, 1, 1)
    )
    clone = Appointment.objects.get(pk=appt.pk)
    clone.pk = None
    clone.ics_uid = ""
    clone.client = other
    with pytest.raises(IntegrityError, match="no_double_booking"), transaction.atomic():
        clone.save()  # bypasses services.insert entirely
    # A cancelled appointment no longer holds its slot.
    appt.status = "cancelled"
    appt.save()
    clone.save()
    assert Appointment.objects.active().count() == 1


def _attempt(clinic_id: int, client_id: int, e, results: list, barrier: threading.Barrier) -> None:  # type: ignore[no-untyped-def]
    from needlepoint.clinic.booking.models import AppointmentType
    from needlepoint.clinic.clinics.models import Clinic

    try:
        clinic = Clinic.objects.get(pk=clinic_id)
        client = Client.objects.get(pk=client_id)
        kind = AppointmentType.objects.get(clinic=clinic)
        barrier.wait(timeout=30)
        services.book_single(clinic, client, kind, e, actor=SystemActor(clinic.pk, "test"))
        results.append("ok")
    except services.SlotTaken:
        results.append("taken")
    except Exception as exc:
        results.append(repr(exc))
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_parallel_attempts_on_the_same_slots_book_each_slot_once() -> None:
    bw = make_booking_world(make_clinic_world("C"), practitioners=3, rooms=2, devices=2)
    clinic = bw.world.clinic
    # Candidate slots: several per day over a few days, so attempts collide on practitioners,
    # rooms and devices in many combinations.
    slots, _ = services.search_slots(clinic, bw.kind, date(2027, 1, 5), date(2027, 1, 7), now=NOW)
    candidates = []
    for slot in slots[::3][:12]:
        for p in slot.practitioner_ids:
            candidates.append(slot.appointment(practitioner_id=p))
    clients = [
        Client.objects.create(
            clinic=clinic, first_name=f"C{i}", last_name="P", date_of_birth=date(1990, 1, 1)
        )
        for i in range(len(candidates) * 2)
    ]
    workers = 16 if ON_POSTGRES else 8
    rounds = max(1, len(clients) // workers)
    results: list[str] = []
    for r in range(rounds):
        batch = [
            (clients[(r * workers + i) % len(clients)].pk, candidates[(r * workers + i) % len(candidates)])
            for i in range(workers)
        ]
        barrier = threading.Barrier(workers)
        threads = [
            threading.Thread(target=_attempt, args=(clinic.pk, c, e, results, barrier)) for c, e in batch
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    errors = [r for r in results if r not in ("ok", "taken")]
    assert not errors, errors[:3]
    assert results.count("ok") > 0 and results.count("taken") > 0
    assert _overlaps() == 0
    assert Appointment.objects.active().count() == results.count("ok")


@pytest.mark.django_db
def test_engine_appointment_round_trip(db: None) -> None:
    bw = make_booking_world(make_clinic_world("R"))
    s = spec(bw, sessions=1)
    result, _ = services.search_series(bw.world.clinic, s, now=NOW)
    e = result.options[0].sessions[0]
    appt = services.book_series(
        bw.world.clinic, s, [e], actor=SystemActor(bw.world.clinic.pk, "test")
    ).appointments.get()
    back = engine_appointment(appt)
    assert back.room_interval == e.room_interval and back.device_interval == e.device_interval
    assert appt.busy_end - appt.busy_start <= timedelta(hours=24)


@pytest.mark.django_db
def test_back_to_back_bookings_of_one_practitioner_room_and_device_both_book() -> None:
    """Intervals are half-open: a booking whose practitioner, room and device start exactly
    when the previous one releases them is free. On SQLite the hand-written conflict check
    compared stored naive text with an aware parameter ("11:00:00" < "11:00:00+00:00") and
    refused it as "the practitioner was just booked" (found by the demo's waitlist offer)."""
    bw = make_booking_world(make_clinic_world("B"))
    clinic = bw.world.clinic
    slots, _ = services.search_slots(clinic, bw.kind, date(2027, 1, 5), date(2027, 1, 5), now=NOW)
    first = slots[0].appointment()
    system = SystemActor(clinic.pk, "test")
    a, b = (
        Client.objects.create(
            clinic=clinic,
            first_name=name,
            last_name="Back",
            email=f"{name}@example.com",
            date_of_birth=date(1990, 1, 1),
        )
        for name in ("ada", "bo")
    )
    following = next(
        e
        for e in (s.appointment() for s in slots)
        if e.room_interval.start >= first.room_interval.end
        and e.practitioner_interval.start >= first.practitioner_interval.end
    )
    assert following.room_interval.start == first.room_interval.end  # touching, not overlapping
    # The later one first: the earlier one then ends exactly where the booked one starts.
    services.book_single(clinic, b, bw.kind, following, actor=system)
    services.book_single(clinic, a, bw.kind, first, actor=system)
    assert Appointment.objects.active().count() == 2
