"""Run every benchmark in turn and keep their output, each preceded by the machine's load average.

    .venv/bin/python bench/run_all.py                 # chain already loaded (bench/scenario.py)
    .venv/bin/python bench/run_all.py --load          # load the chain into PostgreSQL first (~10-20 min)
    .venv/bin/python bench/run_all.py --quick         # smaller runs (smoke test of the commands)

Output goes to stdout and to /tmp/np-bench/run-<time>.log. PostgreSQL at
postgres://postgres@127.0.0.1:5432 is assumed (np_bench for the chain; bench_booking.py and
bench_messaging.py create their own databases).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from bench_paths import BENCH_DIR  # noqa: E402

PY = sys.executable
PG = "postgres://postgres@127.0.0.1:5432"
CHAIN_STATE = str(BENCH_DIR / "chain-pg.json")


def steps(quick: bool, load: bool) -> list[tuple[str, list[str], dict[str, str]]]:
    chain = {"NP_BENCH_STATE": CHAIN_STATE}
    out: list[tuple[str, list[str], dict[str, str]]] = []
    if load:
        out.append(
            (
                "scenario: load the chain",
                [PY, "bench/scenario.py", "--db", "postgres", *(["--scale", "0.05"] if quick else [])],
                chain,
            )
        )
    out += [
        ("protocol engine", [PY, "bench/bench_protocol.py"], {}),
        (
            "series search, engine only",
            [PY, "bench/bench_series_search.py", *(["--quick"] if quick else [])],
            {},
        ),
        (
            "chain, in-process: series search, calendar week, client page",
            [PY, "bench/bench_chain.py", *(["--searches", "40", "--pages", "20"] if quick else [])],
            chain,
        ),
        (
            "chain over HTTP: gunicorn on PostgreSQL",
            [
                PY,
                "bench/bench_http.py",
                "--workers",
                "4",
                "--clients",
                "8",
                *(["--seconds", "3", "--bookings", "300"] if quick else []),
            ],
            chain,
        ),
        (
            "message dispatch, PostgreSQL",
            [PY, "bench/bench_messaging.py"],
            {"DATABASE_URL": f"{PG}/np_bench_messaging"},
        ),
    ]
    if (ROOT / "bench" / "bench_analytics.py").exists():
        out.append(
            (
                "analytics",
                [PY, "bench/bench_analytics.py"],
                {"DATABASE_URL": f"{PG}/needlepoint_bench_analytics"},
            )
        )
    if not quick:
        out.append(
            (
                "booking throughput, 32 concurrent clients, PostgreSQL",
                [PY, "bench/bench_booking.py", "--throughput", "--history", "100000"],
                {"DATABASE_URL": f"{PG}/needlepoint_bench"},
            )
        )
    return out


def ensure_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--load", action="store_true", help="(re)load the chain first")
    parser.add_argument("--only", help="run only steps whose title contains this")
    args = parser.parse_args()
    log_path = BENCH_DIR / f"run-{time.strftime('%Y%m%d-%H%M%S')}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    failed = []
    ensure_database("np_bench_messaging")
    with log_path.open("w") as log:
        for title, cmd, env in steps(args.quick, args.load):
            if args.only and args.only not in title:
                continue
            load = " ".join(f"{x:.2f}" for x in os.getloadavg())
            header = f"\n== {title}  [{time.strftime('%H:%M:%S')} UTC, load {load}]"
            print(header, flush=True)
            log.write(header + "\n")
            proc = subprocess.run(
                cmd, cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, check=False
            )
            lines = [ln for ln in proc.stdout.splitlines() if "INFO" not in ln]
            print("\n".join(lines), flush=True)
            log.write(proc.stdout)
            if proc.returncode:
                failed.append(title)
                print(proc.stderr[-2000:], file=sys.stderr)
                log.write(proc.stderr)
    print(f"\nlog: {log_path}" + (f"; FAILED: {failed}" if failed else ""))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
