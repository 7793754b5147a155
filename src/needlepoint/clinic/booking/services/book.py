"""Writing bookings so that no resource is ever double-booked.

PostgreSQL: exclusion constraints refuse overlaps whatever the application does; the re-check
below only turns a conflict into a clear message before the constraint would. SQLite: every
write transaction starts with BEGIN IMMEDIATE (settings), so bookings are serialised and the
re-check inside the transaction is authoritative.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.core import signing
from django.db import IntegrityError, connection, transaction

from needlepoint import clock
from needlepoint import scheduling as eng
from needlepoint.clinic import events, permissions
from needlepoint.clinic.accounts.models import Membership
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Clinic
from needlepoint.clinic.clinics.selectors import clinic_today
from needlepoint.clinic.errors import NotFound
from needlepoint.clinic.permissions import Action, Actor
from needlepoint.clinic.plans.models import TreatmentPlan
from needlepoint.clinic.plans.selectors import bookable_plan

from .. import raw_sql
from ..engine import MAX_BUSY_SPAN, Snapshot, engine_type, load_resources
from ..models import Appointment, AppointmentType, Series
from .errors import BookingError, SlotTaken
from .preferences import preferences_to_json
from .search import SeriesSpec, local_today, series_shape

_OPTION_SALT = "needlepoint.booking.option"
OPTION_MAX_AGE = timedelta(minutes=30)


def encode_option(spec: SeriesSpec, appointments: tuple[eng.Appointment, ...] | list[eng.Appointment]) -> str:
    """A tamper-proof token for a proposed option, so the booking form can post it back. It
    carries the digest of the request it answered: booked for any other request (another type,
    plan, client, gaps…) it is refused, so a search cannot launder sessions into a booking."""
    return signing.dumps(
        {
            "spec": spec.digest(),
            "sessions": [
                [a.start.isoformat(), a.location_id, a.practitioner_id, a.room_id, a.device_id]
                for a in appointments
            ],
        },
        salt=_OPTION_SALT,
        compress=True,
    )


def decode_option(token: str, spec: SeriesSpec, snapshot: Snapshot) -> list[eng.Appointment]:
    try:
        payload = signing.loads(token, salt=_OPTION_SALT, max_age=OPTION_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise BookingError("This proposal is more than 30 minutes old: search again.") from exc
    except signing.BadSignature as exc:
        raise BookingError("This proposal is not valid: search again.") from exc
    if not isinstance(payload, dict) or payload.get("spec") != spec.digest():
        raise BookingError(
            "This proposal was found for a different request (client, appointment type, plan, "
            "sessions, intervals or constraints): search again with the details you want to book.",
            code="option_mismatch",
        )
    kind = engine_type(spec.appointment_type)
    out = []
    for start, location_id, practitioner_id, room_id, device_id in payload["sessions"]:
        if location_id not in snapshot.locations or practitioner_id not in snapshot.practitioners:
            raise BookingError("A proposed practitioner or location is no longer available: search again.")
        out.append(
            eng.Appointment.build(
                kind,
                datetime.fromisoformat(start),
                location_id=location_id,
                timezone=snapshot.locations[location_id].timezone,
                practitioner_id=practitioner_id,
                room_id=room_id,
                device_id=device_id,
            )
        )
    return out


def require_fit(
    clinic: Clinic,
    request: eng.SeriesRequest,
    sessions: list[eng.Appointment],
    *,
    label: str = "This booking",
) -> None:
    """Refuse sessions that are not the series `request` asked for, by the engine's own rules
    (type and its times, shift cover, room and device, windows, gaps); who is busy is the
    database's to re-check under the lock (`insert`)."""
    if not sessions:
        raise BookingError("Nothing to book.")
    first, last = min(e.arrival for e in sessions), max(e.end for e in sessions)
    snapshot = load_resources(clinic, first - timedelta(days=1), last + timedelta(days=2))
    try:
        violations = eng.check_booking(snapshot.clinic, request, sessions)
    except eng.SchedulingError as exc:
        raise BookingError(f"{label} does not fit: {exc}") from exc
    if violations:
        shown = "; ".join(v.message for v in violations[:3])
        more = f" (and {len(violations) - 3} more)" if len(violations) > 3 else ""
        raise BookingError(f"{label} does not fit: {shown}{more}. Search again.", code="does_not_fit")


def require_plan_fits(clinic: Clinic, spec: SeriesSpec, *, now: datetime) -> None:
    """A series booked for a plan keeps to the plan: still confirmed and bookable, the same
    number of sessions, its first-session window, its intervals and hard floor, and a type long
    enough for its areas. Re-checked here so no surface (web, portal, API, online) can skip it."""
    if spec.plan_id is None:
        return
    plan = TreatmentPlan.objects.for_clinic(clinic).filter(client=spec.client, pk=spec.plan_id).first()
    if plan is None:
        raise NotFound()
    windows = bookable_plan(plan, today=clinic_today(clinic, now))
    kind = spec.appointment_type
    problems = windows.type_problems(kind.duration_minutes, kind.numbing_minutes)
    problems += windows.series_problems(**series_shape(spec))
    if problems:
        raise BookingError(" ".join(problems), code="plan_mismatch")


_CONFLICT_SQL = """
SELECT client_id, practitioner_id, room_id, arrival, "end" FROM booking_appointment
WHERE status <> 'cancelled' {exclude} AND (
    (practitioner_id = %(p)s AND practitioner_start < %(p_end)s AND practitioner_start > %(p_low)s
     AND practitioner_end > %(p_start)s)
 OR (room_id = %(r)s AND room_start < %(r_end)s AND room_start > %(r_low)s AND room_end > %(r_start)s)
 OR (device_id = %(d)s AND device_start < %(d_end)s AND device_start > %(d_low)s AND device_end > %(d_start)s)
 OR (client_id = %(c)s AND busy_start < %(c_end)s AND busy_start > %(c_low)s AND arrival < %(c_end)s
     AND "end" > %(c_start)s)
) LIMIT 1
"""


def conflicts(e: eng.Appointment, *, client_id: int, exclude: list[int] | tuple[int, ...] = ()) -> str | None:
    """What an active appointment already holds of `e`'s resources, as a message (None = free).

    Hand-written SQL because this runs inside every booking transaction: each arm is a tight
    range on its (resource, start) index, since an interval can only overlap ours if it starts
    within MAX_BUSY_SPAN before our end (the model bounds every interval)."""
    p, r, d = e.practitioner_interval, e.room_interval, e.device_interval
    params: dict[str, object] = {f"x{i}": pk for i, pk in enumerate(exclude)}
    params |= {
        "p": int(e.practitioner_id),
        "p_start": p.start,
        "p_end": p.end,
        "p_low": p.start - MAX_BUSY_SPAN,
        "r": int(e.room_id),
        "r_start": r.start,
        "r_end": r.end,
        "r_low": r.start - MAX_BUSY_SPAN,
        "d": int(e.device_id) if e.device_id is not None else None,
        "d_start": d.start if d else None,
        "d_end": d.end if d else None,
        "d_low": d.start - MAX_BUSY_SPAN if d else None,
        "c": client_id,
        "c_start": e.arrival,
        "c_end": e.end,
        "c_low": e.arrival - MAX_BUSY_SPAN,
    }
    with connection.cursor() as cursor:
        skip = f"AND id NOT IN ({', '.join(f'%(x{i})s' for i in range(len(exclude)))})" if exclude else ""
        # Adapted as the ORM would: on SQLite a boundary (back-to-back bookings) must compare equal.
        cursor.execute(_CONFLICT_SQL.format(exclude=skip), raw_sql.params(params))
        row = cursor.fetchone()
    if row is None:
        return None
    clash_client, clash_practitioner, clash_room, arrival, end = row
    if clash_client == client_id and _aware(arrival) < e.end and _aware(end) > e.arrival:
        return "the client already has an appointment then"
    if clash_practitioner == int(e.practitioner_id):
        return "the practitioner was just booked for that time"
    if clash_room == int(e.room_id):
        return "the room was just booked for that time"
    return "the device was just booked for that time"


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive UTC from raw SQL; PostgreSQL aware datetimes.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def appointment_fields(e: eng.Appointment) -> dict[str, object]:
    d = e.device_interval
    busy = [e.practitioner_interval, e.room_interval, *([d] if d else [])]
    return {
        "location_id": int(e.location_id),
        "practitioner_id": int(e.practitioner_id),
        "room_id": int(e.room_id),
        "device_id": int(e.device_id) if e.device_id else None,
        "start": e.start,
        "end": e.end,
        "arrival": e.arrival,
        "practitioner_start": e.practitioner_interval.start,
        "practitioner_end": e.practitioner_interval.end,
        "room_start": e.room_interval.start,
        "room_end": e.room_interval.end,
        "device_start": d.start if d else None,
        "device_end": d.end if d else None,
        "busy_start": min(i.start for i in busy),
        "busy_end": max(i.end for i in busy),
    }


_LOCK_KINDS = {"practitioner": 1, "room": 2, "device": 3, "client": 4}


def lock_resources(appointments: list[eng.Appointment], client_ids: list[int]) -> None:
    """PostgreSQL: take transaction-scoped advisory locks on every resource about to be booked,
    in one global order, so concurrent bookings of the same resource queue instead of
    deadlocking inside the exclusion-constraint checks; the re-check after the lock is then
    authoritative. SQLite needs nothing: BEGIN IMMEDIATE already serialises writers."""
    if connection.vendor != "postgresql":
        return
    keys = {(_LOCK_KINDS["client"], c) for c in client_ids}
    for e in appointments:
        keys.add((_LOCK_KINDS["practitioner"], int(e.practitioner_id)))
        keys.add((_LOCK_KINDS["room"], int(e.room_id)))
        if e.device_id is not None:
            keys.add((_LOCK_KINDS["device"], int(e.device_id)))
    # One round trip: unnest yields the sorted keys in order, and each row takes its lock.
    ordered = [kind << 48 | pk for kind, pk in sorted(keys)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(pg_advisory_xact_lock(k)) FROM unnest(%s::bigint[]) AS k", [ordered])


def insert(
    clinic: Clinic,
    client: Client,
    appointment_type: AppointmentType,
    e: eng.Appointment,
    *,
    series: Series | None = None,
    index: int | None = None,
    created_by: Membership | None = None,
    label: str = "This slot",
    source: str = "staff",
) -> Appointment:
    """Insert one appointment after re-checking its resources; raises SlotTaken on a clash.
    Call inside a transaction after lock_resources() covering `e`."""
    problem = conflicts(e, client_id=client.pk)
    if problem:
        raise SlotTaken(f"{label} is no longer free: {problem}. Search again for another time.")
    appt = Appointment(
        clinic=clinic,
        client=client,
        appointment_type=appointment_type,
        series=series,
        series_index=index,
        created_by=created_by,
        **appointment_fields(e),
    )
    try:
        with transaction.atomic():  # savepoint: a constraint violation must not poison the outer transaction
            appt.save()
    except IntegrityError as exc:
        if "no_double_booking" in str(exc):
            raise SlotTaken(f"{label} was booked by someone else a moment ago. Search again.") from exc
        raise
    events.publish(events.AppointmentBooked(appt.clinic_id, appointment=appt, source=source))
    return appt


@transaction.atomic
def book_series(
    clinic: Clinic,
    spec: SeriesSpec,
    sessions: list[eng.Appointment],
    *,
    actor: Actor,
    source: str | None = None,
    now: datetime | None = None,
) -> Series:
    """All sessions or none: one clash rolls the whole series back. The sessions must be the
    series `spec` asks for (and its plan's), re-checked under the lock."""
    require_booking(actor, clinic, spec.client, spec.appointment_type)
    source = source or source_of(actor)
    if len(sessions) != spec.sessions:
        raise BookingError(f"Expected {spec.sessions} sessions, got {len(sessions)}.")
    created_by = permissions.membership_of(actor)
    lock_resources(sessions, [spec.client.pk])
    require_plan_fits(clinic, spec, now=now or clock.now())
    require_fit(clinic, spec.request([]), sessions, label="This series")
    series = Series.objects.create(
        clinic=clinic,
        client=spec.client,
        appointment_type=spec.appointment_type,
        **series_shape(spec),
        source=spec.source[:200],
        preferences=preferences_to_json(spec.preferences),
        plan_id=spec.plan_id,
        created_by=created_by,
    )
    for i, e in enumerate(sessions):
        insert(
            clinic,
            spec.client,
            spec.appointment_type,
            e,
            series=series,
            index=i,
            created_by=created_by,
            label=f"Session {i + 1}",
            source=source,
        )
    return series


def book_option(
    clinic: Clinic, spec: SeriesSpec, token: str, *, actor: Actor, now: datetime, source: str | None = None
) -> Series:
    """Book a signed option from an earlier search for `spec`. No second search: the token proves
    the option came from a search for this very request (within OPTION_MAX_AGE), and book_series
    re-checks the sessions' fit and every resource under lock, so a slot taken meanwhile is
    refused (SlotTaken) rather than double-booked."""
    require_booking(actor, clinic, spec.client, spec.appointment_type)
    snapshot = load_resources(clinic, *spec.window())
    spec.check_not_past(local_today(snapshot, spec, now))
    sessions = decode_option(token, spec, snapshot)
    return book_series(clinic, spec, sessions, actor=actor, source=source, now=now)


def single_request(appointment_type: AppointmentType) -> eng.SeriesRequest:
    """One session of a type, no windows: what a single booking is checked against."""
    return eng.SeriesRequest(appointment_type=engine_type(appointment_type), sessions=(eng.SessionSpec(),))


@transaction.atomic
def book_single(
    clinic: Clinic,
    client: Client,
    appointment_type: AppointmentType,
    e: eng.Appointment,
    *,
    actor: Actor,
    source: str | None = None,
) -> Appointment:
    require_booking(actor, clinic, client, appointment_type)
    lock_resources([e], [client.pk])
    require_fit(clinic, single_request(appointment_type), [e])
    return insert(
        clinic,
        client,
        appointment_type,
        e,
        created_by=permissions.membership_of(actor),
        source=source or source_of(actor),
    )


def source_of(actor: Actor) -> str:
    """Where a booking came from, for its AppointmentBooked event (webhooks send it as `source`);
    online booking passes "online" itself."""
    if isinstance(actor, permissions.ApiActor):
        return "api"
    if isinstance(actor, permissions.ClientActor):
        return "portal"
    if isinstance(actor, permissions.SystemActor):
        return actor.name
    return "staff"


def require_booking(actor: Actor, clinic: Clinic, client: Client, appointment_type: AppointmentType) -> None:
    """Who may book, and only inside one clinic: the actor's, the client's and the type's.
    Uses ids already loaded (no query)."""
    permissions.require(actor, Action.BOOK, client)
    if not int(clinic.pk) == int(client.clinic_id) == int(appointment_type.clinic_id):
        raise NotFound()
