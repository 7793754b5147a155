"""backup → change everything → restore gives back the original database exactly: the same row
count and the same checksum of the contents of every table (not only a few models' counts, as
tests/test_cli.py checks). Runs the real `needlepoint` command on a scratch database of
the suite's engine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.test_cli import db_url, run  # noqa: F401 — db_url is a fixture

# Per table: row count and SHA-256 of the sorted rows. Sorting the rows' text makes the sum
# independent of physical order, which a restore is free to change.
_CHECKSUMS = """
import hashlib, json, django
django.setup()
from django.db import connection
out = {}
with connection.cursor() as cursor:
    for table in sorted(connection.introspection.table_names()):
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
        rows = sorted(repr(row) for row in cursor.fetchall())
        out[table] = [len(rows), hashlib.sha256("\\n".join(rows).encode()).hexdigest()]
print(json.dumps(out))
"""


_CHANGE = """
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("UPDATE clients_client SET last_name = last_name || 'x'")
    cursor.execute("UPDATE booking_appointment SET notes = 'changed after the backup'")
    cursor.execute("DELETE FROM audit_accesslog")
"""


def checksums(url: str, change: str = "") -> dict[str, list[Any]]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "NEEDLEPOINT_DEMO": "1",
        "DJANGO_SETTINGS_MODULE": "needlepoint.settings",
    }
    out = subprocess.run(
        [sys.executable, "-c", _CHECKSUMS.replace("out = {}", change + "\nout = {}")],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    ).stdout
    result: dict[str, list[Any]] = json.loads(out)
    return result


def test_backup_restore_round_trip_equals_the_original(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    run(db_url, "migrate")
    run(db_url, "demo", "--clients", "12")
    original = checksums(db_url)
    assert original["booking_appointment"][0] and original["clients_client"][0] >= 12
    backup_file = tmp_path / "backup.bin"
    assert "verified" in run(db_url, "backup", str(backup_file)).stdout

    checksums(db_url, change=_CHANGE)  # edit, delete and add rows after the backup
    changed = checksums(db_url)
    assert {t for t in original if changed.get(t) != original[t]} >= {"clients_client", "booking_appointment"}

    run(db_url, "restore", str(backup_file), "--yes")
    restored = checksums(db_url)
    differing = sorted(t for t in set(original) | set(restored) if original.get(t) != restored.get(t))
    assert not differing, differing
