"""Where the benchmarks keep their databases, state and logs: outside the repository's var/."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = Path(os.environ.get("NP_BENCH_DIR", Path(tempfile.gettempdir()) / "np-bench"))


def standalone(name: str) -> None:
    """Make the app importable from a checkout; unless DATABASE_URL says otherwise, this benchmark
    keeps its database in var/bench-`name`.sqlite3."""
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "needlepoint.settings")
    os.environ.setdefault("NEEDLEPOINT_DEMO", "1")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / f'bench-{name}.sqlite3'}")


def setup_django(url: str, fresh: bool) -> None:
    """Point Django at `url`; with `fresh`, drop and recreate that database and migrate it."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "needlepoint.settings")
    os.environ.setdefault("NEEDLEPOINT_DEMO", "1")
    os.environ.setdefault("NEEDLEPOINT_DATA_DIR", str(BENCH_DIR))
    if fresh and url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    if fresh and url.startswith("postgres"):
        import psycopg

        base, name = url.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    if fresh:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
