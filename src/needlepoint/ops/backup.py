"""Backup and restore of the whole database.

SQLite: the online backup API (consistent even while the app writes, WAL included), then
`PRAGMA integrity_check` on the copy. PostgreSQL: pg_dump's custom format, checked by listing it
with pg_restore; restore replaces the schema's objects in one transaction.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class BackupResult:
    path: Path
    engine: str
    size_bytes: int


def _db() -> dict[str, Any]:
    return settings.DATABASES["default"]


def _engine() -> str:
    engine = _db()["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if engine.endswith("postgresql"):
        return "postgresql"
    raise BackupError(f"Unsupported database engine {engine}")


def backup(target: Path) -> BackupResult:
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    if _engine() == "sqlite":
        _sqlite_backup(Path(_db()["NAME"]), target)
        check_sqlite(target)
    else:
        _pg("pg_dump", "--format=custom", "--no-owner", f"--file={target}", _pg_url())
        check_pg_dump(target)
    return BackupResult(target, _engine(), target.stat().st_size)


def restore(source: Path) -> BackupResult:
    source = source.resolve()
    if not source.is_file():
        raise BackupError(f"{source}: no such backup file")
    connections.close_all()
    if _engine() == "sqlite":
        check_sqlite(source)  # never overwrite a good database with a damaged file
        _sqlite_backup(source, Path(_db()["NAME"]))
    else:
        check_pg_dump(source)
        _pg(
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={_pg_url()}",
            str(source),
        )
    return BackupResult(source, _engine(), source.stat().st_size)


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupError(f"{source}: database file not found")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source}: {exc}") from exc
    finally:
        dst.close()
        src.close()


def check_sqlite(path: Path) -> None:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = con.execute("PRAGMA integrity_check").fetchone()[0]
            tables = con.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = 'django_migrations'"
            ).fetchone()[0]
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: not a readable SQLite database ({exc})") from exc
    if result != "ok":
        raise BackupError(f"{path}: integrity check failed: {result}")
    if not tables:
        raise BackupError(f"{path}: not a Needlepoint database (no migrations table)")


def check_pg_dump(path: Path) -> None:
    listing = _pg("pg_restore", "--list", str(path))
    if "django_migrations" not in listing:
        raise BackupError(f"{path}: not a Needlepoint PostgreSQL dump")


def _pg_url() -> str:
    db = _db()
    user = db.get("USER") or ""
    auth = f"{user}:{db['PASSWORD']}@" if db.get("PASSWORD") else (f"{user}@" if user else "")
    host = db.get("HOST") or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgresql://{auth}{host}{port}/{db['NAME']}"


def _pg(tool: str, *args: str) -> str:
    exe = shutil.which(tool)
    if exe is None:
        raise BackupError(f"{tool} not found: install the PostgreSQL client (postgresql-client)")
    proc = subprocess.run([exe, *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise BackupError(f"{tool} failed: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout
