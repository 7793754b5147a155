"""Every booking service called directly with every kind of actor: the service itself decides who
may do what (permissions.STAFF_RULES / CLIENT_RULES), whatever surface calls it.

The expectation is computed here from the rule tables (not from permissions.may), so a service
that forgets its check, checks the wrong action or lets an actor reach into another clinic or
another client's records fails."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction

from needlepoint.clinic.booking import services
from needlepoint.clinic.booking.models import Appointment, AppointmentStatus, WaitlistEntry, WaitlistStatus
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.errors import NotAllowed, NotFound
from needlepoint.clinic.permissions import (
    CLIENT_RULES,
    STAFF_RULES,
    Action,
    Actor,
    ApiActor,
    ClientActor,
    SystemActor,
)
from tests.clinic.booking.conftest import NOW, BookingWorld, make_booking_world, spec
from tests.conftest import ClinicWorld


class _Rollback(Exception):
    pass


@dataclass
class Setup:
    bw: BookingWorld
    sessions: list[Any]  # engine appointments of a free one-session series
    appt: Appointment  # a booked appointment of the world's client
    entry: WaitlistEntry  # an open offer to the world's client


def _setup(bw: BookingWorld) -> Setup:
    clinic = bw.world.clinic
    result, _ = services.search_series(clinic, spec(bw, sessions=1), now=NOW)
    booked, free = result.options[0].sessions, result.options[-1].sessions
    assert booked[0].start != free[0].start
    system = SystemActor(clinic.pk, "test")  # type: ignore[attr-defined]
    series = services.book_series(clinic, spec(bw, sessions=1), list(booked), actor=system)  # type: ignore[arg-type]
    appt = series.appointments.get()
    # The offer is for a slot on another day, so booking it never clashes with `appt`.
    later = (
        services.search_series(
            clinic,  # type: ignore[arg-type]
            spec(bw, sessions=1, first=date(2027, 1, 12), last=date(2027, 1, 14)),
            now=NOW,
        )[0]
        .options[0]
        .sessions[0]
    )
    entry = WaitlistEntry.objects.create(
        clinic=clinic,
        client=bw.world.client,
        appointment_type=bw.kind,
        earliest=date(2027, 1, 1),
        latest=date(2027, 2, 1),
        status=WaitlistStatus.OFFERED,
        offered_start=later.start,
        offered_practitioner_id=int(later.practitioner_id),
        offered_room_id=int(later.room_id),
        offered_device_id=int(later.device_id) if later.device_id else None,
        offer_expires_at=later.start,
    )
    return Setup(bw, list(free), appt, entry)


Call = Callable[[Setup, Actor], object]


def _early(s: Setup) -> Any:
    return s.appt.start - timedelta(days=3)  # outside the notice period


CALLS: dict[str, tuple[frozenset[Action], Call]] = {
    "book series": (
        frozenset({Action.BOOK}),
        lambda s, a: services.book_series(s.bw.world.clinic, spec(s.bw, sessions=1), s.sessions, actor=a),  # type: ignore[arg-type]
    ),
    "book option": (
        frozenset({Action.BOOK}),
        lambda s, a: services.book_option(
            s.bw.world.clinic,  # type: ignore[arg-type]
            spec(s.bw, sessions=1),
            services.encode_option(spec(s.bw, sessions=1), s.sessions),
            actor=a,
            now=NOW,
        ),
    ),
    "book single": (
        frozenset({Action.BOOK}),
        lambda s, a: services.book_single(
            s.bw.world.clinic,  # type: ignore[arg-type]
            s.bw.world.client,  # type: ignore[arg-type]
            s.bw.kind,  # type: ignore[arg-type]
            s.sessions[0],
            actor=a,
        ),
    ),
    "cancel": (
        frozenset({Action.CANCEL}),
        lambda s, a: services.cancel_appointment(s.appt, actor=a, reason="", now=_early(s)),
    ),
    "cancel with waiver": (
        frozenset({Action.CANCEL, Action.WAIVE_FEE}),
        lambda s, a: services.cancel_appointment(s.appt, actor=a, reason="", now=_early(s), waive_fee=True),
    ),
    "move": (
        frozenset({Action.MOVE}),
        lambda s, a: services.reschedule_appointment(
            s.appt, s.appt.start + timedelta(hours=1), actor=a, now=_early(s)
        ),
    ),
    "set status": (
        frozenset({Action.SET_STATUS}),
        lambda s, a: services.set_status(
            Appointment.objects.get(pk=s.appt.pk),  # set_status changes the instance it is given
            AppointmentStatus.NO_SHOW,
            actor=a,
            now=s.appt.end + timedelta(hours=1),
        ),
    ),
    "waitlist add": (
        frozenset({Action.WAITLIST}),
        lambda s, a: services.add_to_waitlist(
            s.bw.world.client,  # type: ignore[arg-type]
            s.bw.kind,  # type: ignore[arg-type]
            date(2027, 1, 5),
            date(2027, 1, 9),
            actor=a,
        ),
    ),
    "waitlist accept": (
        frozenset({Action.WAITLIST}),
        lambda s, a: services.accept_offer(s.entry, actor=a, now=NOW),
    ),
}


def _actors(a: ClinicWorld, b: ClinicWorld) -> dict[str, tuple[Actor, str]]:
    """name → (actor, how it relates to clinic A's client: 'staff:<role>', 'client', 'outside')."""
    neighbour = Client.objects.create(
        clinic=a.clinic, first_name="Nosy", last_name="Neighbour", date_of_birth=date(1980, 1, 1)
    )
    m = a.memberships
    return {
        "owner": (m["owner"], "staff:owner"),  # type: ignore[dict-item]
        "practitioner": (m["practitioner"], "staff:practitioner"),  # type: ignore[dict-item]
        "front desk": (m["front_desk"], "staff:front_desk"),  # type: ignore[dict-item]
        "owner of another clinic": (b.memberships["owner"], "outside"),  # type: ignore[dict-item]
        "the client": (ClientActor(a.client), "client"),  # type: ignore[arg-type]
        "another client": (ClientActor(neighbour), "outside"),
        "another clinic's client": (ClientActor(b.client), "outside"),  # type: ignore[arg-type]
        "API token (owner)": (ApiActor(m["owner"]), "staff:owner"),  # type: ignore[arg-type]
        "API token (front desk)": (ApiActor(m["front_desk"]), "staff:front_desk"),  # type: ignore[arg-type]
    }


def _expected(relation: str, actions: frozenset[Action]) -> str:
    if relation == "outside":
        return "not found"
    if relation == "client":
        return "ok" if actions <= CLIENT_RULES else "forbidden"
    role = relation.split(":", 1)[1]
    return "ok" if all(role in STAFF_RULES[action] for action in actions) else "forbidden"


def _attempt(call: Callable[[], object]) -> str:
    """Run `call` and undo it: 'ok', 'forbidden' or 'not found' (any other refusal is a bug in
    the set-up, reported as such)."""
    try:
        with transaction.atomic():
            call()
            raise _Rollback
    except _Rollback:
        return "ok"
    except NotAllowed:
        return "forbidden"
    except NotFound:
        return "not found"
    except Exception as exc:
        return f"refused by a rule: {exc!r}"


@pytest.mark.parametrize("service", list(CALLS))
def test_every_service_decides_who_may_call_it(
    service: str, clinic_a: ClinicWorld, clinic_b: ClinicWorld
) -> None:
    setup = _setup(make_booking_world(clinic_a))
    actions, call = CALLS[service]
    got, want = {}, {}
    for name, (actor, relation) in _actors(clinic_a, clinic_b).items():
        got[name] = _attempt(lambda actor=actor: call(setup, actor))  # type: ignore[misc]
        want[name] = _expected(relation, actions)
    assert got == want


def test_a_client_can_never_waive_a_fee(bw: BookingWorld) -> None:
    setup = _setup(bw)
    late = setup.appt.start - timedelta(hours=24)
    with pytest.raises(NotAllowed) as refused:
        services.cancel_appointment(
            setup.appt,
            actor=ClientActor(bw.world.client),
            reason="",
            now=late,
            waive_fee=True,  # type: ignore[arg-type]
        )
    assert refused.value.fields == {"waive_fee": [refused.value.message]}
    setup.appt.refresh_from_db()
    assert setup.appt.status == AppointmentStatus.BOOKED


def test_created_by_is_the_staff_member_behind_the_actor(bw: BookingWorld) -> None:
    setup = _setup(bw)
    desk = bw.world.memberships["front_desk"]
    appt = services.book_single(
        bw.world.clinic,  # type: ignore[arg-type]
        bw.world.client,  # type: ignore[arg-type]
        bw.kind,  # type: ignore[arg-type]
        setup.sessions[0],
        actor=ApiActor(desk),  # type: ignore[arg-type]
    )
    assert appt.created_by == desk
