"""Import clients and future appointments from another system's CSV export.

Expected columns (header names are matched case- and punctuation-insensitively, with the
aliases in CLIENT_COLUMNS / APPOINTMENT_COLUMNS; other columns are ignored):

clients       first_name*, last_name*, date_of_birth*, email, phone, fitzpatrick (1–6 or I–VI),
              consent_email, consent_sms (yes/no)
appointments  the client: client_id, or client_email, or client_first_name + client_last_name +
              client_date_of_birth (client_id is this clinic's id); the time: start
              ("YYYY-MM-DD HH:MM", local, or ISO with an offset) or date + time; appointment_type*,
              practitioner* (email or name), location (optional when the clinic has one), room
              (optional when the location has one), device (optional), notes, status
              (cancelled / no-show / completed rows are skipped)

Client rows that may be a client the clinic already has (same email, phone in E.164, or name
and date of birth) or an earlier row are reported per row and skipped (``duplicates="skip"``,
the default; ``"create"`` imports them as separate records): never merged silently.

Dates: ISO 8601 or the clinic locale's numeric order. Local times are the location's wall clock,
converted to UTC. Every row is checked before anything is written: a dry run lists every bad row
(line, field, reason); a real run writes all rows in one transaction or none at all.
"""

from __future__ import annotations

import csv
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from needlepoint import clock, inputs
from needlepoint import scheduling as eng
from needlepoint.clinic import events, permissions
from needlepoint.clinic.accounts.models import Membership, Role
from needlepoint.clinic.booking.engine import MAX_BUSY_SPAN, engine_type
from needlepoint.clinic.booking.models import ACTIVE_STATUSES, Appointment, AppointmentType
from needlepoint.clinic.booking.services import appointment_fields
from needlepoint.clinic.clients import identity, phones
from needlepoint.clinic.clients.models import Client, clinic_today
from needlepoint.clinic.clinics.models import Clinic, Device, Location, Room
from needlepoint.clinic.errors import NotFound
from needlepoint.clinic.permissions import Action, Actor, SystemActor

from .csv_common import (
    Progress,
    header_map,
    local_to_utc,
    parse_bool,
    parse_date,
    parse_time,
    sniff_dialect,
    unsafe_cell,
)
from .csv_conflicts import Busy, find_clashes

BATCH = 2000

CLIENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "first_name": ("first name", "firstname", "given name", "given_names", "forename", "first"),
    "last_name": ("last name", "lastname", "surname", "family name", "last"),
    "date_of_birth": ("dob", "birth date", "birthdate", "date of birth", "birthday", "d.o.b."),
    "email": ("email address", "e-mail", "e mail", "mail"),
    "phone": ("mobile", "telephone", "phone number", "tel", "cell", "mobile phone"),
    "fitzpatrick": ("fitzpatrick type", "skin type", "fitzpatrick skin type", "phototype"),
    "consent_email": ("email consent", "email opt in", "may email", "marketing email"),
    "consent_sms": ("sms consent", "text consent", "sms opt in", "may text"),
}
APPOINTMENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "client_id": ("client id", "patient id", "needlepoint client id"),
    "client_email": ("client email", "patient email", "email", "e-mail"),
    "client_first_name": ("client first name", "patient first name", "first name", "first_name"),
    "client_last_name": ("client last name", "patient last name", "last name", "surname", "last_name"),
    "client_date_of_birth": ("client date of birth", "client dob", "dob", "date of birth", "date_of_birth"),
    "start": ("start time", "starts", "start_at", "appointment start", "datetime", "start datetime"),
    "date": ("appointment date", "day"),
    "time": ("appointment time", "start clock", "local time"),
    "appointment_type": ("type", "service", "treatment", "appointment type"),
    "practitioner": ("practitioner email", "staff", "therapist", "provider", "with"),
    "location": ("location name", "site", "clinic location", "branch"),
    "room": ("room name", "treatment room"),
    "device": ("device name", "pen"),
    "notes": ("note", "comments", "comment"),
    "status": ("appointment status", "state"),
}
# Rows in these states describe no future booking: skipped, not refused.
SKIPPED_STATUSES = frozenset({"cancelled", "canceled", "no_show", "no-show", "noshow", "completed"})
ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6}


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.reason}"


@dataclass(frozen=True)
class DuplicateRow:
    """A row that may be a client the clinic already has (or an earlier row of the file)."""

    line: int
    name: str
    reason: str  # "same email as client #12", "same phone as line 4"…
    created: bool  # True only with duplicates="create"

    def __str__(self) -> str:
        done = "imported anyway" if self.created else "skipped"
        return f"line {self.line}: {self.name}: {self.reason} ({done})"


@dataclass
class ImportResult:
    kind: str
    rows: int
    created: int = 0
    skipped: int = 0
    dry_run: bool = False
    errors: list[RowError] = field(default_factory=list)
    #: Rows matching a stored client or an earlier row (clients only): see import_clients.
    duplicates: list[DuplicateRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportFailed(Exception):
    """The file has errors: nothing was written."""

    def __init__(self, result: ImportResult) -> None:
        super().__init__(f"{len(result.errors)} error(s); nothing was imported")
        self.result = result


class _Rows:
    """The file's rows with their line numbers (a quoted field may span several lines)."""

    def __init__(self, stream: IO[str], columns: dict[str, tuple[str, ...]]) -> None:
        sample = stream.read(8192)
        rest = stream.read()
        text = (sample + rest).lstrip("\ufeff")
        reader = csv.DictReader(text.splitlines(keepends=True), dialect=sniff_dialect(sample))
        self.columns = header_map(reader.fieldnames or [], columns)
        self.rows: list[tuple[int, dict[str, str]]] = []
        for raw in reader:
            if not any((v or "").strip() for v in raw.values() if isinstance(v, str)):
                continue  # blank line
            self.rows.append(
                (
                    reader.line_num,
                    {k: unsafe_cell((raw.get(col) or "").strip()) for k, col in self.columns.items()},
                )
            )


def _progress(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None and (done == total or done % 500 == 0):
        progress(done, total)


# --- clients -------------------------------------------------------------------------------------


def import_clients(
    clinic: Clinic,
    stream: IO[str],
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    duplicates: str = "skip",
) -> ImportResult:
    """Raises ImportFailed (nothing written) when any row is bad, unless `dry_run`, which
    returns the errors.

    A row that matches a stored client (same email in any case, same phone in E.164, or same
    name, case and accents ignored, and date of birth) or an earlier row of the file is never
    merged: with ``duplicates="skip"`` (the default) it is not imported, with ``"create"`` it is
    imported as a separate record; either way it is listed in ``result.duplicates``."""
    if duplicates not in ("skip", "create"):
        raise ValueError("duplicates is 'skip' or 'create'")
    data = _Rows(stream, CLIENT_COLUMNS)
    result = ImportResult("clients", len(data.rows), dry_run=dry_run)
    missing = [c for c in ("first_name", "last_name", "date_of_birth") if c not in data.columns]
    if missing:
        result.errors.append(RowError(1, ", ".join(missing), "required column missing from the header"))
        return _finish(result)
    total = len(data.rows) * (1 if dry_run else 2)
    region = phones.default_region(clinic)
    today = clinic_today(clinic)
    with transaction.atomic():
        stored = Client.objects.for_clinic(clinic).filter(merged_into__isnull=True)
        keys: dict[tuple[str, object], str] = {}  # (kind, key) → "client #12" / "line 4"
        columns = ("pk", "email", "phone", "name_key", "date_of_birth")
        for pk, email, phone, name, dob in stored.values_list(*columns):
            for k in _keys(email, phone, name, dob):
                keys.setdefault(k, f"client #{pk}")
        new: list[Client] = []
        for n, (line, row) in enumerate(data.rows, 1):
            _progress(progress, n, total)
            errors = _client_errors(line, row, clinic.locale, today, region)
            client = errors.pop() if errors and isinstance(errors[-1], Client) else None
            result.errors.extend(e for e in errors if isinstance(e, RowError))
            if client is None:
                continue
            client.name_key = identity.name_key(client.first_name, client.last_name)
            row_keys = _keys(client.email, client.phone, client.name_key, client.date_of_birth)
            hits = [(k, keys[k]) for k in row_keys if k in keys]
            for k in row_keys:
                keys.setdefault(k, f"line {line}")
            if hits:
                reason = "; ".join(f"same {_KEY_LABEL[k[0]]} as {where}" for k, where in hits)
                create = duplicates == "create"
                result.duplicates.append(DuplicateRow(line, client.full_name, reason, create))
                if not create:
                    result.skipped += 1
                    continue
            client.clinic = clinic
            new.append(client)
        if result.errors or dry_run:
            return _finish(result)
        for i in range(0, len(new), BATCH):
            Client.objects.bulk_create(new[i : i + BATCH])
            _progress(progress, len(data.rows) + min(i + BATCH, len(new)), total)
        result.created = len(new)
    return result


_KEY_LABEL = {"email": "email", "phone": "phone", "person": "name and date of birth"}


def _keys(email: str, phone: str, name: str, dob: date | None) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    if email:
        out.append(("email", identity.email_key(email)))
    if phone:
        out.append(("phone", phone))
    if name and dob is not None:
        out.append(("person", (name, dob)))
    return out


def _client_errors(line: int, row: dict[str, str], locale: str, today: date, region: str) -> list[Any]:
    """The row's errors, followed by the unsaved Client when there are none. The date of birth
    and phone rules are the model's (clients/identity.py, clients/phones.py)."""
    errors: list[Any] = []
    values: dict[str, Any] = {}
    for name in ("first_name", "last_name"):
        v = row.get(name, "")
        if not v:
            errors.append(RowError(line, name, "required"))
        elif len(v) > 100:
            errors.append(RowError(line, name, "longer than 100 characters"))
        values[name] = v
    try:
        dob = parse_date(row.get("date_of_birth", ""), locale) if row.get("date_of_birth") else None
        if dob is None:
            errors.append(RowError(line, "date_of_birth", "required"))
        elif problem := identity.dob_problem(dob, today):
            errors.append(RowError(line, "date_of_birth", f"{dob.isoformat()}: {problem}"))
        values["date_of_birth"] = dob
    except ValueError as exc:
        errors.append(RowError(line, "date_of_birth", str(exc)))
    email = row.get("email", "")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(RowError(line, "email", f"'{email}' is not an email address"))
    values["email"] = email
    phone = row.get("phone", "")
    if phone:
        try:
            phone = phones.to_e164(phone, region)
        except phones.InvalidPhone as exc:
            errors.append(RowError(line, "phone", str(exc)))
    values["phone"] = phone
    fitz = row.get("fitzpatrick", "").strip().lower()
    if fitz:
        value = ROMAN.get(fitz) or inputs.ascii_int(fitz, lo=1, hi=6)
        if value is None or not 1 <= value <= 6:
            errors.append(RowError(line, "fitzpatrick", f"'{fitz}' is not a Fitzpatrick type (1–6 or I–VI)"))
        values["fitzpatrick"] = value
    for name in ("consent_email", "consent_sms"):
        try:
            values[name] = parse_bool(row.get(name, ""))
        except ValueError as exc:
            errors.append(RowError(line, name, str(exc)))
    if not errors:
        if values["consent_email"] or values["consent_sms"]:
            values["consent_updated_at"] = clock.now()
        errors.append(Client(**values))
    return errors


# --- appointments --------------------------------------------------------------------------------


@dataclass
class _Lookups:
    clinic: Clinic
    locations: dict[str, Location]
    rooms: dict[tuple[int, str], Room]
    rooms_by_location: dict[int, list[Room]]
    types: dict[str, AppointmentType]
    practitioners: dict[str, Membership]
    devices: dict[str, Device]
    clients_by_id: dict[int, int]
    clients_by_email: dict[str, int]
    clients_by_person: dict[tuple[str, str, date], int]

    @classmethod
    def load(cls, clinic: Clinic) -> _Lookups:
        locations = list(Location.objects.for_clinic(clinic))
        rooms = list(Room.objects.for_clinic(clinic).filter(is_active=True))
        practitioners: dict[str, Membership] = {}
        for m in (
            Membership.objects.for_clinic(clinic)
            .filter(is_active=True, role__in=[Role.PRACTITIONER, Role.OWNER])
            .select_related("user")
        ):
            practitioners.setdefault(m.user.email.lower(), m)
            practitioners.setdefault(m.name.lower(), m)
        by_location: dict[int, list[Room]] = {}
        for r in rooms:
            by_location.setdefault(r.location_id, []).append(r)
        clients = list(
            Client.objects.for_clinic(clinic).values_list(
                "pk", "email", "first_name", "last_name", "date_of_birth"
            )
        )
        return cls(
            clinic=clinic,
            locations={loc.name.lower(): loc for loc in locations},
            rooms={(r.location_id, r.name.lower()): r for r in rooms},
            rooms_by_location=by_location,
            types={
                t.name.lower(): t for t in AppointmentType.objects.for_clinic(clinic).filter(is_active=True)
            },
            practitioners=practitioners,
            devices={d.name.lower(): d for d in Device.objects.for_clinic(clinic).filter(is_active=True)},
            clients_by_id={pk: pk for pk, *_ in clients},
            clients_by_email={e.lower(): pk for pk, e, *_ in clients if e},
            clients_by_person={(f.lower(), la.lower(), dob): pk for pk, _, f, la, dob in clients},
        )


@dataclass
class _Planned:
    line: int
    client_id: int
    appointment_type: AppointmentType
    engine: eng.Appointment
    notes: str


def import_appointments(
    clinic: Clinic,
    stream: IO[str],
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    now: datetime | None = None,
    actor: Actor | None = None,
) -> ImportResult:
    """Future appointments only. Conflicts with stored appointments and between rows are found
    in bulk (csv_conflicts); on PostgreSQL the exclusion constraints stay the last line.
    `actor` (default: the import itself) must be allowed to book in `clinic`."""
    who = actor or SystemActor(clinic.pk, "csv import")
    permissions.require(who, Action.BOOK)
    if who.clinic_id != clinic.pk:
        raise NotFound()
    data = _Rows(stream, APPOINTMENT_COLUMNS)
    result = ImportResult("appointments", len(data.rows), dry_run=dry_run)
    have = set(data.columns)
    missing = [c for c in ("appointment_type", "practitioner") if c not in have]
    if "start" not in have and not {"date", "time"} <= have:
        missing.append("start (or date + time)")
    if not (
        {"client_id"} & have
        or {"client_email"} & have
        or {"client_first_name", "client_last_name", "client_date_of_birth"} <= have
    ):
        missing.append("client_id, client_email or client name + date of birth")
    if missing:
        result.errors.append(RowError(1, ", ".join(missing), "required column missing from the header"))
        return _finish(result)
    now = now or clock.now()
    total = len(data.rows) * (1 if dry_run else 2)
    with transaction.atomic():
        look = _Lookups.load(clinic)
        planned: list[_Planned] = []
        for n, (line, row) in enumerate(data.rows, 1):
            _progress(progress, n, total)
            if row.get("status", "").lower() in SKIPPED_STATUSES:
                result.skipped += 1
                continue
            p = _plan_row(line, row, look, now, result.errors)
            if p is not None:
                planned.append(p)
        _check_conflicts(clinic, planned, result.errors)
        result.errors.sort(key=lambda e: e.line)
        if result.errors or dry_run:
            return _finish(result)
        rows = [
            Appointment(
                clinic=clinic,
                client_id=p.client_id,
                appointment_type=p.appointment_type,
                notes=p.notes,
                ics_uid=secrets.token_hex(16),
                **appointment_fields(p.engine),
            )
            for p in planned
        ]
        created: list[Appointment] = []
        try:
            with transaction.atomic():
                for i in range(0, len(rows), BATCH):
                    created += Appointment.objects.bulk_create(rows[i : i + BATCH])
                    _progress(progress, len(data.rows) + min(i + BATCH, len(rows)), total)
        except IntegrityError as exc:  # PostgreSQL's exclusion constraint: booked meanwhile
            result.errors.append(
                RowError(0, "time", f"a slot was booked while importing ({exc}); nothing imported")
            )
            raise ImportFailed(result) from exc
        # Reminders and aftercare for the imported sessions (webhooks ignore source="import":
        # an import is a migration, not a booking).
        with transaction.atomic():
            for appt in created:
                events.publish(events.AppointmentBooked(clinic.pk, appointment=appt, source="import"))
        result.created = len(created)
    return result


def _plan_row(
    line: int, row: dict[str, str], look: _Lookups, now: datetime, errors: list[RowError]
) -> _Planned | None:
    before = len(errors)

    def bad(field_: str, reason: str) -> None:
        errors.append(RowError(line, field_, reason))

    client_id = _match_client(row, look, bad)
    kind = look.types.get(row.get("appointment_type", "").lower())
    if kind is None:
        bad("appointment_type", f"no active appointment type named '{row.get('appointment_type', '')}'")
    practitioner = look.practitioners.get(row.get("practitioner", "").lower())
    if practitioner is None:
        bad("practitioner", f"no practitioner with the email or name '{row.get('practitioner', '')}'")
    location: Location | None
    if row.get("location"):
        location = look.locations.get(row["location"].lower())
        if location is None:
            bad("location", f"no location named '{row['location']}'")
    elif len(look.locations) == 1:
        location = next(iter(look.locations.values()))
    else:
        location = None
        bad("location", "required: the clinic has several locations")
    room: Room | None = None
    if location is not None:
        if row.get("room"):
            room = look.rooms.get((location.pk, row["room"].lower()))
            if room is None:
                bad("room", f"no room named '{row['room']}' at {location.name}")
        elif len(look.rooms_by_location.get(location.pk, [])) == 1:
            room = look.rooms_by_location[location.pk][0]
        else:
            bad("room", f"required: {location.name} has several rooms (or none)")
    device: Device | None = None
    if row.get("device"):
        device = look.devices.get(row["device"].lower())
        if device is None:
            bad("device", f"no device named '{row['device']}'")
        elif location is not None and device.location_id != location.pk:
            bad("device", f"{device.name} is at another location")
    start = None
    if location is not None:
        try:
            start = _start(row, location, look.clinic.locale)
        except ValueError as exc:
            bad("start" if row.get("start") else "date/time", str(exc))
        if start is not None and start <= now:
            bad("start", "in the past: only future appointments are imported")
    notes = row.get("notes", "")
    if len(errors) > before:
        return None
    assert kind and practitioner and location and room and start and client_id
    e = eng.Appointment.build(
        engine_type(kind),
        start,
        location_id=str(location.pk),
        timezone=location.timezone,
        practitioner_id=str(practitioner.pk),
        room_id=str(room.pk),
        device_id=str(device.pk) if device else None,
    )
    return _Planned(line, client_id, kind, e, notes)


def _match_client(row: dict[str, str], look: _Lookups, bad: Any) -> int | None:
    if row.get("client_id"):
        cid = inputs.parse_id(row["client_id"])
        if cid is None or cid not in look.clients_by_id:
            bad("client_id", f"no client with id '{row['client_id']}' in this clinic")
        return cid if cid in look.clients_by_id else None
    if row.get("client_email"):
        cid = look.clients_by_email.get(row["client_email"].lower())
        if cid is None:
            bad("client_email", f"no client with the email '{row['client_email']}'")
        return cid
    first, last, dob_text = (
        row.get(k, "") for k in ("client_first_name", "client_last_name", "client_date_of_birth")
    )
    if not (first and last and dob_text):
        bad("client", "give client_id, client_email, or client name and date of birth")
        return None
    try:
        dob = parse_date(dob_text, look.clinic.locale)
    except ValueError as exc:
        bad("client_date_of_birth", str(exc))
        return None
    cid = look.clients_by_person.get((first.lower(), last.lower(), dob))
    if cid is None:
        bad("client", f"no client {first} {last} born {dob.isoformat()}")
    return cid


def _start(row: dict[str, str], location: Location, locale: str) -> datetime:
    text = row.get("start", "")
    if text:
        try:
            value = datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
        except ValueError:
            day_text, _, clock_text = text.partition(" ")
            return local_to_utc(parse_date(day_text, locale), parse_time(clock_text), location.timezone)
        if value.tzinfo is not None:
            return value.astimezone(UTC)
        return local_to_utc(value.date(), value.time(), location.timezone)
    if not row.get("date") or not row.get("time"):
        raise ValueError("give start, or date and time")
    return local_to_utc(parse_date(row["date"], locale), parse_time(row["time"]), location.timezone)


def _busy(p: _Planned) -> Iterable[Busy]:
    e = p.engine
    yield Busy(
        ("practitioner", int(e.practitioner_id)),
        e.practitioner_interval.start,
        e.practitioner_interval.end,
        p.line,
    )
    yield Busy(("room", int(e.room_id)), e.room_interval.start, e.room_interval.end, p.line)
    if e.device_id is not None and e.device_interval is not None:
        yield Busy(("device", int(e.device_id)), e.device_interval.start, e.device_interval.end, p.line)
    yield Busy(("client", p.client_id), e.arrival, e.end, p.line)


_LABEL = {
    "practitioner": "the practitioner",
    "room": "the room",
    "device": "the device",
    "client": "the client",
}


def _check_conflicts(clinic: Clinic, planned: list[_Planned], errors: list[RowError]) -> None:
    if not planned:
        return
    low = min(p.engine.arrival for p in planned) - MAX_BUSY_SPAN
    high = max(p.engine.end for p in planned) + timedelta(hours=1)
    intervals: list[Busy] = [b for p in planned for b in _busy(p)]
    stored = (
        Appointment.objects.for_clinic(clinic)
        .filter(status__in=ACTIVE_STATUSES, busy_start__lt=high, busy_end__gt=low)
        .values_list(
            "pk",
            "client_id",
            "practitioner_id",
            "room_id",
            "device_id",
            "arrival",
            "end",
            "practitioner_start",
            "practitioner_end",
            "room_start",
            "room_end",
            "device_start",
            "device_end",
        )
    )
    for pk, cl, pr, rm, dv, arrival, end, ps, pe, rs, re_, ds, de in stored.iterator(chunk_size=5000):
        intervals += [
            Busy(("practitioner", pr), ps, pe, None, pk),
            Busy(("room", rm), rs, re_, None, pk),
            Busy(("client", cl), arrival, end, None, pk),
        ]
        if dv is not None and ds is not None and de is not None:
            intervals.append(Busy(("device", dv), ds, de, None, pk))
    for c in find_clashes(intervals):
        with_ = f"line {c.other_line}" if c.other_line else f"existing appointment #{c.other_appointment}"
        errors.append(RowError(c.line, "start", f"{_LABEL[c.key[0]]} is busy then (overlaps {with_})"))


def _finish(result: ImportResult) -> ImportResult:
    if result.errors and not result.dry_run:
        raise ImportFailed(result)
    return result
