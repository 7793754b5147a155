"""The `needlepoint` command, run as a user would: in a subprocess against its own database."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

NEEDLEPOINT = [sys.executable, "-m", "needlepoint.cli"]
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    """A scratch database of the same engine the suite runs on."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / 'cli.sqlite3'}"
        return
    import psycopg

    db = settings.DATABASES["default"]
    server = f"postgresql://{db['USER']}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
    name = f"np_cli_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(db_url: str, *args: str, stdin: str = "", ok: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": db_url, "NEEDLEPOINT_DEMO": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    proc = subprocess.run(
        [*NEEDLEPOINT, *args], input=stdin, capture_output=True, text=True, env=env, timeout=300, check=False
    )
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def counts(db_url: str) -> dict[str, int]:
    script = (
        "import json,django;django.setup();"
        "from django.apps import apps;"
        "print(json.dumps({m._meta.label: m.objects.count() for m in apps.get_models()"
        " if m._meta.app_label in ('clinics','accounts','clients','audit','auditlog')}))"
    )
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "NEEDLEPOINT_DEMO": "1",
        "DJANGO_SETTINGS_MODULE": "needlepoint.settings",
    }
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True, timeout=120
    ).stdout
    import json

    return json.loads(out)  # type: ignore[no-any-return]


def test_demo_is_idempotent_and_realistic(db_url: str) -> None:
    run(db_url, "migrate")
    first = run(db_url, "demo")
    assert "owner@demo.needlepoint.test" in first.stdout and "needlepoint-demo" in first.stdout
    after_one = counts(db_url)
    run(db_url, "demo")
    after_two = counts(db_url)
    after_one.pop("auditlog.LogEntry"), after_two.pop("auditlog.LogEntry")
    assert after_one == after_two
    assert after_one["clients.Client"] == 50
    assert after_one["clinics.Location"] == 3  # 2 in the demo clinic + 1 in the second clinic
    assert after_one["clinics.Clinic"] == 2


def test_demo_locations_use_different_time_zones(db_url: str) -> None:
    run(db_url, "migrate")
    run(db_url, "demo")
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "NEEDLEPOINT_DEMO": "1",
        "DJANGO_SETTINGS_MODULE": "needlepoint.settings",
    }
    script = (
        "import django;django.setup();from needlepoint.clinic.clinics.models import Location;"
        "print(sorted(set(Location.objects.filter(clinic__slug='needlepoint-demo')"
        ".values_list('timezone', flat=True))))"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "['America/New_York', 'Europe/London']"


def test_createowner_and_bad_input(db_url: str) -> None:
    run(db_url, "migrate")
    proc = run(
        db_url,
        "createowner",
        "--email",
        "kim@example.com",
        "--clinic",
        "Skin Lab",
        "--timezone",
        "Europe/Dublin",
        "--password-stdin",
        stdin="a-long-enough-passphrase\n",
    )
    assert "kim@example.com is the owner of Skin Lab" in proc.stdout
    bad_tz = run(
        db_url,
        "createowner",
        "--email",
        "x@example.com",
        "--clinic",
        "Other",
        "--timezone",
        "Atlantis/Capital",
        "--password-stdin",
        stdin="a-long-enough-passphrase\n",
        ok=False,
    )
    assert bad_tz.returncode == 2 and "not an IANA time zone" in bad_tz.stderr
    weak = run(
        db_url,
        "createowner",
        "--email",
        "y@example.com",
        "--clinic",
        "Other2",
        "--password-stdin",
        stdin="123\n",
        ok=False,
    )
    assert weak.returncode == 2 and "too short" in weak.stderr
    # Nothing half-written: the failed calls created no clinic.
    assert counts(db_url)["clinics.Clinic"] == 1


def test_unknown_command_exits_non_zero(db_url: str) -> None:
    proc = run(db_url, "frobnicate", ok=False)
    assert proc.returncode == 2 and "invalid choice" in proc.stderr


def test_backup_restore_round_trip(db_url: str, tmp_path: Path) -> None:
    run(db_url, "migrate")
    run(db_url, "demo")
    original = counts(db_url)
    backup_file = tmp_path / "backup.db"
    proc = run(db_url, "backup", str(backup_file))
    assert "verified" in proc.stdout and backup_file.stat().st_size > 0
    run(db_url, "demo", "--clients", "80")  # change the data after the backup
    assert counts(db_url)["clients.Client"] == 80
    assert run(db_url, "restore", str(backup_file), ok=False).returncode == 2  # needs --yes
    run(db_url, "restore", str(backup_file), "--yes")
    assert counts(db_url) == original


def test_restore_refuses_a_damaged_file_and_keeps_the_data(db_url: str, tmp_path: Path) -> None:
    run(db_url, "migrate")
    run(db_url, "demo")
    before = counts(db_url)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"SQLite format 3\x00" + os.urandom(8192))
    proc = run(db_url, "restore", str(junk), "--yes", ok=False)
    assert proc.returncode == 1 and "error:" in proc.stderr
    assert counts(db_url) == before


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite-specific: journal mode of the database file")
def test_sqlite_runs_in_wal_mode(db_url: str) -> None:
    run(db_url, "migrate")
    path = db_url.removeprefix("sqlite:///")
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_http_and_serves_static_locally(db_url: str, tmp_path: Path) -> None:
    run(db_url, "migrate")
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "NEEDLEPOINT_DEMO": "1",
        "NEEDLEPOINT_DATA_DIR": str(tmp_path),
    }
    server = subprocess.Popen(
        [*NEEDLEPOINT, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                body = urllib.request.urlopen(f"{base}/healthz", timeout=2).read()  # noqa: S310
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("server did not start")
        assert body == b"ok"
        login = urllib.request.urlopen(f"{base}/account/login/", timeout=5).read().decode()  # noqa: S310
        assert "/static/needlepoint/vendor/htmx" in login and "cdn" not in login.lower()
        js = urllib.request.urlopen(f"{base}/static/needlepoint/vendor/htmx-2.0.11.min.js", timeout=5)  # noqa: S310
        assert js.status == 200 and b"htmx" in js.read()[:2000]
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_serve_refuses_an_unmigrated_database(db_url: str) -> None:
    proc = run(db_url, "serve", "--port", str(_free_port()), ok=False)
    assert proc.returncode == 1 and "needlepoint migrate" in proc.stderr
