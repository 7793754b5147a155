"""CSV import never merges silently: a row that may be a stored client (or an earlier row) is
reported per row and skipped by default, or created as a separate record when asked."""

from __future__ import annotations

import io
from typing import Any

import pytest

from needlepoint.cli import main
from needlepoint.clinic.clients.models import Client
from needlepoint.interop.csv_import import ImportFailed, import_clients
from tests.conftest import ClinicWorld

FILE = (
    "first_name,last_name,date_of_birth,email,phone\n"
    "Amy,Pond,1989-04-01,amy@example.com,07700 900001\n"  # line 2: new
    "Zélda A,clienta,1990-05-17,,\n"  # line 3: the stored ZeldaA ClientA (accents, case): name + dob
    "Rory,Williams,1988-02-02,ZELDAA@example.com,\n"  # line 4: the stored client's email
    "River,Song,1970-01-01,,+44 7700 900001\n"  # line 5: the phone of line 2
    "Clara,Oswald,1985-11-23,clara@example.com,\n"  # line 6: new
)


def test_duplicates_are_skipped_and_listed_by_line(clinic_a: ClinicWorld) -> None:
    before = Client.objects.count()
    result = import_clients(clinic_a.clinic, io.StringIO(FILE))  # type: ignore[arg-type]
    assert (result.created, result.skipped) == (2, 3)
    assert Client.objects.count() == before + 2
    stored = clinic_a.client.pk  # type: ignore[attr-defined]
    report = [str(d) for d in result.duplicates]
    assert report == [
        f"line 3: Zélda A clienta: same name and date of birth as client #{stored} (skipped)",
        f"line 4: Rory Williams: same email as client #{stored} (skipped)",
        "line 5: River Song: same phone as line 2 (skipped)",
    ]
    assert Client.objects.get(email="amy@example.com").phone == "+447700900001"


def test_asked_to_create_them_the_rows_become_separate_records(clinic_a: ClinicWorld) -> None:
    result = import_clients(clinic_a.clinic, io.StringIO(FILE), duplicates="create")  # type: ignore[arg-type]
    assert (result.created, result.skipped, len(result.duplicates)) == (5, 0, 3)
    assert all("imported anyway" in str(d) for d in result.duplicates)


def test_bad_phone_and_birth_dates_are_errors(clinic_a: ClinicWorld) -> None:
    bad = "first_name,last_name,date_of_birth,phone\nA,B,1890-01-01,\nC,D,1980-01-01,+44 1\n"
    with pytest.raises(ImportFailed) as failed:
        import_clients(clinic_a.clinic, io.StringIO(bad))  # type: ignore[arg-type]
    assert [(e.line, e.field) for e in failed.value.result.errors] == [(2, "date_of_birth"), (3, "phone")]
    assert "120 years" in failed.value.result.errors[0].reason


@pytest.mark.django_db(transaction=True)
def test_the_cli_prints_the_report(
    clinic_a: ClinicWorld, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "clients.csv"
    path.write_text(FILE, encoding="utf-8")
    slug = clinic_a.clinic.slug  # type: ignore[attr-defined]
    assert main(["import-csv", "clients", str(path), "--clinic", slug, "--quiet"]) == 0
    out = capsys.readouterr()
    assert "Imported 2 clients, 3 skipped (possible duplicates)." in out.out
    assert f"{path}:line 5: River Song: same phone as line 2 (skipped)" in out.err
