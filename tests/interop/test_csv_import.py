"""CSV import: aliases and locale dates, every bad row reported by line, all-or-nothing writes,
bulk conflict checking for appointments, the CLI (progress bar, exit codes), export round trips."""

from __future__ import annotations

import io
import time as clock
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.db import IntegrityError

from needlepoint.cli import main
from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.messaging.models import OutboxMessage
from needlepoint.interop import csv_export, csv_import
from needlepoint.interop.csv_import import ImportFailed, import_appointments, import_clients
from tests.clinic.booking.conftest import BookingWorld, make_booking_world
from tests.conftest import ClinicWorld

NOW = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)


def clients_file(n: int, *, start: int = 0) -> str:
    rows = ["Forename,Surname,DOB,E-mail,Mobile,Skin type,Email consent"]
    rows += [
        f"Ann{i},Smith{i},{1 + i % 28:02d}/{1 + i % 12:02d}/{1950 + i % 50},ann{i}@example.com,"
        f"+44 7700 {i % 1000000:06d},{'III' if i % 2 else '4'},{'yes' if i % 3 else 'no'}"
        for i in range(start, start + n)
    ]
    return "\n".join(rows) + "\n"


def test_clients_with_aliases_and_locale_dates(clinic_a: ClinicWorld) -> None:
    result = import_clients(clinic_a.clinic, io.StringIO(clients_file(300)))  # type: ignore[arg-type]
    assert (result.rows, result.created) == (300, 300)
    c = Client.objects.get(clinic=clinic_a.clinic, email="ann13@example.com")  # type: ignore[misc]
    # en-GB: 14/02/1963 is the 14th of February.
    assert (c.first_name, c.last_name, c.date_of_birth) == ("Ann13", "Smith13", date(1963, 2, 14))
    assert (c.fitzpatrick, c.consent_email, c.phone) == (3, True, "+447700000013")  # E.164


def test_us_clinic_reads_month_first(clinic_a: ClinicWorld) -> None:
    clinic_a.clinic.locale = "en-US"  # type: ignore[attr-defined]
    text = "first_name;last_name;date_of_birth\nBo;Lee;02/14/1980\nCy;Lee;1980-02-03\n"  # semicolons
    import_clients(clinic_a.clinic, io.StringIO(text))  # type: ignore[arg-type]
    births = dict(Client.objects.filter(last_name="Lee").values_list("first_name", "date_of_birth"))
    assert births == {"Bo": date(1980, 2, 14), "Cy": date(1980, 2, 3)}


BAD_CLIENTS = (
    "first_name,last_name,date_of_birth,email,fitzpatrick,consent_sms\n"
    "Ann,Smith,1980-01-02,ann@example.com,2,no\n"  # line 2: fine
    '"Multi\nline",Jones,1981-03-04,,,\n'  # lines 3–4: fine (a quoted newline)
    ",Brown,1982-05-06,,,\n"  # line 5: no first name
    "Dee,Green,31/02/1983,dee@example,,\n"  # line 6: no 31 February, bad email
    "Eve,White,2090-01-01,,9,maybe\n"  # line 7: future birth, bad type, bad yes/no
    "Fay,Black,1984-07-08,ANN@example.com,,\n"  # line 8: same email as line 2 (a duplicate, skipped)
    "Ann,Smith,1980-01-02,,,\n"  # line 9: same person as line 2 (a duplicate, skipped)
)


def test_every_bad_row_is_reported_by_line_and_field_and_nothing_is_written(clinic_a: ClinicWorld) -> None:
    before = Client.objects.count()
    result = import_clients(clinic_a.clinic, io.StringIO(BAD_CLIENTS), dry_run=True)  # type: ignore[arg-type]
    got = {(e.line, e.field) for e in result.errors}
    assert got == {
        (5, "first_name"),
        (6, "date_of_birth"),
        (6, "email"),
        (7, "date_of_birth"),
        (7, "fitzpatrick"),
        (7, "consent_sms"),
    }
    # Possible duplicates are not errors: reported per row (tests/interop/test_csv_import_duplicates.py).
    assert [d.line for d in result.duplicates] == [8, 9]
    assert "line 2" in str(result.duplicates[0])
    assert "31/02/1983" in next(e.reason for e in result.errors if (e.line, e.field) == (6, "date_of_birth"))
    with pytest.raises(ImportFailed) as failed:
        import_clients(clinic_a.clinic, io.StringIO(BAD_CLIENTS))  # type: ignore[arg-type]
    assert failed.value.result.errors == result.errors
    assert Client.objects.count() == before
    missing = import_clients(clinic_a.clinic, io.StringIO("name,dob\nA,1980-01-01\n"), dry_run=True)  # type: ignore[arg-type]
    assert missing.errors[0].line == 1 and "first_name" in missing.errors[0].field


def test_a_failure_while_writing_leaves_nothing(
    clinic_a: ClinicWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = Client.objects.count()
    monkeypatch.setattr(csv_import, "BATCH", 50)
    real = Client.objects.bulk_create
    calls = []

    def flaky(objs: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(len(objs))
        if len(calls) == 3:
            raise IntegrityError("disk full, say")
        return real(objs, *args, **kwargs)

    monkeypatch.setattr(Client.objects, "bulk_create", flaky)
    with pytest.raises(IntegrityError):
        import_clients(clinic_a.clinic, io.StringIO(clients_file(200)))  # type: ignore[arg-type]
    assert calls == [50, 50, 50] and Client.objects.count() == before


def test_fifty_thousand_clients_in_well_under_a_minute(clinic_a: ClinicWorld) -> None:
    text = clients_file(50_000)
    seen: list[tuple[int, int]] = []
    started = clock.perf_counter()
    result = import_clients(clinic_a.clinic, io.StringIO(text), progress=lambda d, t: seen.append((d, t)))  # type: ignore[arg-type]
    elapsed = clock.perf_counter() - started
    assert result.created == 50_000 == Client.objects.filter(clinic=clinic_a.clinic).count() - 1  # type: ignore[misc]
    assert seen[-1] == (100_000, 100_000) and len(seen) > 100  # checked, then written
    assert elapsed < 60, f"{elapsed:.1f} s"


# --- appointments --------------------------------------------------------------------------


def _appt_world(clinic_a: ClinicWorld) -> BookingWorld:
    bw = make_booking_world(clinic_a)
    import_clients(clinic_a.clinic, io.StringIO(clients_file(5)))  # type: ignore[arg-type]
    return bw


def _appt_rows(*rows: str) -> io.StringIO:
    return io.StringIO("Client email,Date,Time,Type,Practitioner,Room,Notes\n" + "\n".join(rows) + "\n")


def test_appointments_local_times_to_utc_and_conflicts_checked_in_bulk(clinic_a: ClinicWorld) -> None:
    bw = _appt_world(clinic_a)
    pr = bw.practitioners[0].user.email
    room = bw.rooms[0].name
    good = [
        f"ann0@example.com,12/01/2027,10:00,Microneedling face,{pr},{room},first",  # GMT
        f"ann1@example.com,2027-06-15,10:00,microneedling FACE,{pr},,summer",  # BST, one room
    ]
    result = import_appointments(clinic_a.clinic, _appt_rows(*good), now=NOW)  # type: ignore[arg-type]
    assert result.created == 2
    starts = sorted(Appointment.objects.filter(notes__in=["first", "summer"]).values_list("start", flat=True))
    assert starts == [datetime(2027, 1, 12, 10, 0, tzinfo=UTC), datetime(2027, 6, 15, 9, 0, tzinfo=UTC)]
    stored = Appointment.objects.get(notes="first")
    assert stored.room_start < stored.start  # numbing in the room: the engine's occupancy
    # Imported sessions get their reminders (ann1 consented to email; ann0 did not).
    summer = Appointment.objects.get(notes="summer")
    assert OutboxMessage.objects.filter(appointment=summer, kind="reminder_24h").exists()
    assert not OutboxMessage.objects.filter(appointment=stored).exists()
    bad = [
        f"ann2@example.com,12/01/2027,10:30,Microneedling face,{pr},{room},",  # line 2: overlaps stored
        f"ann3@example.com,13/01/2027,10:00,Microneedling face,{pr},{room},",  # line 3: fine alone
        f"ann4@example.com,13/01/2027,10:45,Microneedling face,{pr},{room},",  # line 4: overlaps line 3
        f"ann4@example.com,2026-12-01,10:00,Microneedling face,{pr},{room},",  # line 5: past
        f"ann4@example.com,28/03/2027,01:30,Microneedling face,{pr},{room},",  # line 6: no such time
        "nobody@example.com,20/01/2027,10:00,Laser,someone@else,Attic,",  # line 7: 4 unknowns
    ]
    result = import_appointments(clinic_a.clinic, _appt_rows(*bad), dry_run=True, now=NOW)  # type: ignore[arg-type]
    by_line: dict[int, list[str]] = {}
    for e in result.errors:
        by_line.setdefault(e.line, []).append(f"{e.field}: {e.reason}")
    assert sorted(by_line) == [2, 4, 5, 6, 7]
    assert any(f"existing appointment #{stored.pk}" in r for r in by_line[2])
    assert any("overlaps line 3" in r for r in by_line[4])
    assert "past" in by_line[5][0] and "does not exist" in by_line[6][0]
    assert {r.split(":")[0] for r in by_line[7]} == {
        "client_email",
        "appointment_type",
        "practitioner",
        "room",
    }
    count = Appointment.objects.count()
    with pytest.raises(ImportFailed):
        import_appointments(clinic_a.clinic, _appt_rows(*bad), now=NOW)  # type: ignore[arg-type]
    assert Appointment.objects.count() == count


def test_export_import_round_trips(clinic_a: ClinicWorld, clinic_b: ClinicWorld) -> None:
    bw = _appt_world(clinic_a)
    pr = bw.practitioners[0].user.email
    rows = [f"ann{i}@example.com,{11 + i}/01/2027,09:15,Microneedling face,{pr},,r{i}" for i in range(4)]
    import_appointments(clinic_a.clinic, _appt_rows(*rows), now=NOW)  # type: ignore[arg-type]
    clients = "".join(csv_export.clients_csv(clinic_a.clinic))  # type: ignore[arg-type]
    assert clients.count("\n") == 7  # header, Zelda and five imported clients
    import_clients(clinic_b.clinic, io.StringIO(clients))  # type: ignore[arg-type]

    def people(world: ClinicWorld) -> set[tuple[Any, ...]]:
        qs = Client.objects.for_clinic(world.clinic)  # type: ignore[arg-type]
        if world is clinic_b:
            qs = qs.exclude(pk=clinic_b.client.pk)  # type: ignore[attr-defined]
        return set(
            qs.values_list(
                "first_name", "last_name", "date_of_birth", "email", "phone", "fitzpatrick", "consent_sms"
            )
        )

    assert people(clinic_a) == people(clinic_b)
    # Appointments: export, cancel them (the slots free up), import the file back.
    before = sorted(
        Appointment.objects.filter(clinic=clinic_a.clinic).values_list("start", "client_id", "room_id")  # type: ignore[misc]
    )
    exported = "".join(csv_export.appointments_csv(clinic_a.clinic, since=NOW))  # type: ignore[arg-type]
    Appointment.objects.filter(clinic=clinic_a.clinic).update(status="cancelled")  # type: ignore[misc]
    result = import_appointments(clinic_a.clinic, io.StringIO(exported), now=NOW)  # type: ignore[arg-type]
    assert result.created == 4
    after = sorted(
        Appointment.objects.filter(clinic=clinic_a.clinic, status="booked").values_list(  # type: ignore[misc]
            "start", "client_id", "room_id"
        )
    )
    assert after == before
    # The cancelled ones, exported again, are skipped rather than refused.
    again = "".join(csv_export.appointments_csv(clinic_a.clinic, since=NOW))  # type: ignore[arg-type]
    assert import_appointments(clinic_a.clinic, io.StringIO(again), dry_run=True, now=NOW).skipped == 4  # type: ignore[arg-type]


def test_formula_cells_are_neutralised_and_restored(clinic_a: ClinicWorld, clinic_b: ClinicWorld) -> None:
    Client.objects.filter(pk=clinic_a.client.pk).update(first_name="=HYPERLINK(1)", phone="+447700900123")  # type: ignore[attr-defined]
    text = "".join(csv_export.clients_csv(clinic_a.clinic))  # type: ignore[arg-type]
    assert "'=HYPERLINK(1)" in text and "'+447700900123" in text
    import_clients(clinic_b.clinic, io.StringIO(text))  # type: ignore[arg-type]
    back = Client.objects.filter(clinic=clinic_b.clinic, first_name="=HYPERLINK(1)")  # type: ignore[misc]
    assert back.filter(phone="+447700900123").exists()


# --- the CLI --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_cli_dry_run_errors_exit_non_zero_with_lines(
    clinic_a: ClinicWorld, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "clients.csv"
    path.write_text(BAD_CLIENTS, encoding="utf-8")
    slug = clinic_a.clinic.slug  # type: ignore[attr-defined]
    assert main(["import-csv", "clients", str(path), "--clinic", slug, "--dry-run"]) == 1
    err = capsys.readouterr().err
    assert f"{path}:line 5: first_name: required" in err and "6 error(s)" in err
    assert main(["import-csv", "clients", str(path), "--clinic", slug]) == 1
    assert "nothing was imported" in capsys.readouterr().err
    path.write_text(clients_file(1200), encoding="utf-8")
    assert main(["import-csv", "clients", str(path), "--clinic", slug]) == 0
    out = capsys.readouterr()
    assert "Imported 1,200 clients." in out.out
    assert "importing [" in out.err and "2,400/2,400" in out.err  # the progress bar
    assert main(["import-csv", "clients", str(path), "--clinic", "nope"]) == 2
    assert main(["export-csv", "clients", "--clinic", slug, "-o", str(tmp_path / "out.csv")]) == 0
    assert (tmp_path / "out.csv").read_text().count("\n") == 1202


def test_chart_export_has_one_row_per_treated_area(clinic_a: ClinicWorld) -> None:
    import csv

    from tests.interop.fhir_world import full_record

    rec = full_record(clinic_a)
    rows = list(csv.DictReader(io.StringIO("".join(csv_export.charts_csv(clinic_a.clinic)))))  # type: ignore[arg-type]
    assert [(r["area"], r["depth_mm"], r["cartridge_lot"], r["passes"]) for r in rows] == [
        ("cheeks", "1.50", "C-100", "3"),
        ("forehead", "0.50", "C-100", "3"),
    ]
    assert {r["appointment_id"] for r in rows} == {str(rec.appointments[0].pk)}
    assert rows[0]["session_date"] == rec.appointments[0].start.date().isoformat()  # winter: GMT


def test_chart_export_gives_the_side(clinic_a: ClinicWorld) -> None:
    import csv

    from needlepoint.clinic.treatments.models import ChartEntry
    from tests.interop.fhir_world import full_record

    rec = full_record(clinic_a)
    ChartEntry.objects.filter(pk=rec.entries[0].pk).update(area="cheeks.left")
    rows = list(csv.DictReader(io.StringIO("".join(csv_export.charts_csv(clinic_a.clinic)))))  # type: ignore[arg-type]
    assert [(r["area"], r["side"]) for r in rows] == [("cheeks.left", "left"), ("forehead", "")]
