"""Benchmark: CSV import of clients (and the dry run) through the real importer, on SQLite or
PostgreSQL. Prints figures; it is not a test. Run::

    .venv/bin/python bench/bench_csv_import.py                      # SQLite file in var/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/needlepoint_bench \\
        .venv/bin/python bench/bench_csv_import.py

Each run imports --rows clients (aliased headers, en-GB dates, phones, Fitzpatrick types) into a
fresh clinic: first a dry run (parse + check every row), then the real all-or-nothing import.
"""

from __future__ import annotations

import argparse
import io
import time

from bench_paths import standalone

standalone("csv")


def clients_file(n: int) -> str:
    rows = ["Forename,Surname,DOB,E-mail,Mobile,Skin type,Email consent"]
    rows += [
        f"Ann{i},Smith{i},{1 + i % 28:02d}/{1 + i % 12:02d}/{1950 + i % 50},ann{i}@example.com,"
        f"+44 7700 {i % 1000000:06d},{'III' if i % 2 else '4'},{'yes' if i % 3 else 'no'}"
        for i in range(n)
    ]
    return "\n".join(rows) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from needlepoint.clinic.clinics.models import Clinic
    from needlepoint.interop.csv_import import import_clients

    call_command("migrate", verbosity=0)
    clinic = Clinic.objects.create(name="Bench CSV", slug=f"bench-csv-{int(time.time())}")
    text = clients_file(args.rows)
    print(f"database: {connection.vendor}; {args.rows:,} client rows ({len(text) / 1e6:.1f} MB)")
    for dry_run in (True, False):
        started = time.perf_counter()
        result = import_clients(clinic, io.StringIO(text), dry_run=dry_run)
        elapsed = time.perf_counter() - started
        label = "dry run" if dry_run else "import "
        print(
            f"{label}: {elapsed:6.2f} s  {args.rows / elapsed:9,.0f} rows/s  "
            f"(created {result.created:,}, errors {len(result.errors)})"
        )


if __name__ == "__main__":
    main()
