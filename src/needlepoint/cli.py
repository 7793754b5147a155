"""The `needlepoint` command.

    needlepoint serve [--host H] [--port P] [--workers N]   run the web app (gunicorn)
    needlepoint migrate                                    create/upgrade the database schema
    needlepoint demo                                       load the demo clinic (idempotent)
    needlepoint createowner --email E --clinic NAME --timezone TZ  (password on stdin or prompt)
    needlepoint backup FILE / needlepoint restore FILE     whole-database backup and restore
    needlepoint plan ...                                   protocol plan for a client profile
    needlepoint import-csv clients|appointments FILE --clinic SLUG [--dry-run] [--duplicates skip|create]
    needlepoint export-csv clients|appointments|charts --clinic SLUG [-o FILE]
    needlepoint fhir-export CLIENT_ID --clinic SLUG [-o FILE]

Errors exit non-zero with a one-line message; nothing is half-written.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from needlepoint import clock

if TYPE_CHECKING:
    from needlepoint.clinic.clinics.models import Clinic


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "needlepoint.settings")
    import django

    django.setup()


def _fail(message: str, code: int = 1) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def cmd_migrate(args: argparse.Namespace) -> int:
    _setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1 if args.verbose else 0)
    print("Database is up to date.")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    _setup_django()
    from needlepoint.ops.demo import DEMO_PASSWORD, load_demo

    logins = load_demo(client_count=args.clients)
    print(f"Demo clinic loaded. Sign in with any of these (password: {DEMO_PASSWORD}):")
    for login in logins:
        print(f"  {login.email:<40} {login.role:<13} {login.clinics}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    _setup_django()
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import call_command

    from needlepoint.security import refuse_demo_key_in_production

    try:
        refuse_demo_key_in_production()
    except ImproperlyConfigured as exc:
        return _fail(str(exc))
    # Refuse to serve a database whose schema is behind the code.
    try:
        call_command("migrate", check=True, verbosity=0)
    except SystemExit:
        return _fail("the database needs migrating: run `needlepoint migrate` first")
    call_command("collectstatic", interactive=False, verbosity=0)
    url = f"http://{args.host}:{args.port}/"
    print(f"Needlepoint is running at {url}  (Ctrl-C to stop)", flush=True)
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "needlepoint.wsgi:application",
        "--bind",
        f"{args.host}:{args.port}",
        "--workers",
        str(args.workers),
        *([] if args.no_access_log else ["--access-logfile", "-"]),
        "--graceful-timeout",
        "10",
    ]
    os.execv(sys.executable, argv)  # noqa: S606 — replaces this process with gunicorn
    return 0  # pragma: no cover


def cmd_createowner(args: argparse.Namespace) -> int:
    _setup_django()
    from django.core.exceptions import ValidationError

    from needlepoint.ops.owners import create_owner

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif sys.stdin.isatty():
        password = getpass.getpass("Password for the owner: ")
    else:
        return _fail("give the password with --password-stdin (or run interactively)", 2)
    try:
        membership = create_owner(
            email=args.email,
            password=password,
            clinic_name=args.clinic,
            timezone=args.timezone,
            currency=args.currency,
        )
    except ValidationError as exc:
        return _fail("; ".join(exc.messages), 2)
    print(f"{membership.user.email} is the owner of {membership.clinic.name}.")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    _setup_django()
    from needlepoint.ops.backup import BackupError, backup

    try:
        result = backup(Path(args.file))
    except BackupError as exc:
        return _fail(str(exc))
    print(f"Backed up the {result.engine} database to {result.path} ({result.size_bytes:,} bytes, verified).")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    _setup_django()
    from needlepoint.ops.backup import BackupError, restore

    if not args.yes:
        return _fail("restore replaces the whole database: add --yes to confirm", 2)
    try:
        result = restore(Path(args.file))
    except BackupError as exc:
        return _fail(str(exc))
    print(f"Restored the {result.engine} database from {result.path}.")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    _setup_django()
    import signal
    import threading
    from datetime import timedelta

    from needlepoint.ops.worker import WorkerConfig, run

    stop = threading.Event()
    # SIGTERM/SIGINT: finish the batch in hand (so nothing is left mid-lease), then exit.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    cfg = WorkerConfig(batch=args.batch, lease=timedelta(seconds=args.lease), poll=args.poll)
    total = run(once=args.once, concurrency=args.concurrency, cfg=cfg, stop=stop)
    if args.once:
        print(f"Delivered or retried {total} message(s).")
    return 0


def _clinic(slug: str) -> Clinic | None:
    from needlepoint.clinic.clinics.models import Clinic

    return Clinic.objects.filter(slug=slug).first()


def cmd_import_csv(args: argparse.Namespace) -> int:
    _setup_django()
    from needlepoint.interop.csv_import import ImportFailed, import_appointments, import_clients
    from needlepoint.interop.csv_progress import ProgressBar

    clinic = _clinic(args.clinic)
    if clinic is None:
        return _fail(f"no clinic with the slug '{args.clinic}'", 2)
    try:
        with open(args.file, encoding="utf-8-sig", newline="") as stream:
            progress = None if args.quiet else ProgressBar("checking" if args.dry_run else "importing")
            if args.kind == "clients":
                result = import_clients(
                    clinic, stream, dry_run=args.dry_run, progress=progress, duplicates=args.duplicates
                )
            else:
                result = import_appointments(clinic, stream, dry_run=args.dry_run, progress=progress)
    except OSError as exc:
        return _fail(f"cannot read {args.file}: {exc.strerror or exc}", 2)
    except UnicodeDecodeError:
        return _fail(f"{args.file} is not UTF-8 text: save it as CSV (UTF-8) and try again", 2)
    except ImportFailed as failed:
        for error in failed.result.errors:
            print(f"{args.file}:{error}", file=sys.stderr)
        return _fail(f"{len(failed.result.errors)} error(s) in {args.file}; nothing was imported")
    if result.errors:  # dry run
        for error in result.errors:
            print(f"{args.file}:{error}", file=sys.stderr)
        return _fail(f"dry run: {len(result.errors)} error(s) in {result.rows:,} row(s); nothing written")
    for dup in result.duplicates:
        print(f"{args.file}:{dup}", file=sys.stderr)
    why = "possible duplicates" if args.kind == "clients" else "cancelled, no-show or completed"
    skipped = f", {result.skipped:,} skipped ({why})" if result.skipped else ""
    if args.dry_run:
        print(f"Dry run: all {result.rows:,} {args.kind} row(s) are valid{skipped}. Nothing was written.")
    else:
        print(f"Imported {result.created:,} {args.kind}{skipped}.")
    return 0


def _cli_access(clinic: Clinic, client: Any, action: str) -> None:
    from needlepoint.clinic.audit.services import AccessContext, record_access

    record_access(AccessContext(clinic=clinic, user=None, path=f"cli:{action}"), client=client, action=action)


def cmd_export_csv(args: argparse.Namespace) -> int:
    _setup_django()

    from needlepoint.interop import csv_export

    clinic = _clinic(args.clinic)
    if clinic is None:
        return _fail(f"no clinic with the slug '{args.clinic}'", 2)
    if args.kind == "appointments":
        lines = csv_export.appointments_csv(clinic, since=clock.now() if args.future else None)
    else:
        lines = csv_export.EXPORTS[args.kind](clinic)
    _cli_access(clinic, None, f"export_{args.kind}")
    out = open(args.output, "w", encoding="utf-8", newline="") if args.output else sys.stdout  # noqa: SIM115
    try:
        for line in lines:
            out.write(line)
    finally:
        if args.output:
            out.close()
    return 0


def cmd_fhir_export(args: argparse.Namespace) -> int:
    _setup_django()
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    from needlepoint.clinic.clients.models import Client
    from needlepoint.interop.fhir import build_bundle

    clinic = _clinic(args.clinic)
    if clinic is None:
        return _fail(f"no clinic with the slug '{args.clinic}'", 2)
    client = Client.objects.for_clinic(clinic).filter(pk=args.client_id).first()
    if client is None:
        return _fail(f"no client {args.client_id} in {args.clinic}", 2)
    text = json.dumps(build_bundle(client), indent=2, cls=DjangoJSONEncoder, ensure_ascii=False)
    _cli_access(clinic, client, "fhir_export")
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="needlepoint", description="Run a microneedling practice.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable[[argparse.Namespace], int], help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(func=func)
        return p

    p = add("serve", cmd_serve, "Serve the web app with gunicorn.")
    p.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    p.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    p.add_argument("--no-access-log", action="store_true", help="no per-request log (e.g. a proxy logs)")
    p = add("migrate", cmd_migrate, "Create or upgrade the database schema.")
    p.add_argument("-v", "--verbose", action="store_true")
    p = add("demo", cmd_demo, "Load (or refresh) the demo clinic. Safe to run repeatedly.")
    p.add_argument("--clients", type=int, default=50)
    p = add("createowner", cmd_createowner, "Create a clinic's owner account.")
    p.add_argument("--email", required=True)
    p.add_argument("--clinic", required=True, help="clinic name (created if new)")
    p.add_argument("--timezone", default="Europe/London", help="IANA time zone of its first location")
    p.add_argument("--currency", default="GBP")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p = add("backup", cmd_backup, "Back up the whole database to FILE (verified).")
    p.add_argument("file")
    p = add("restore", cmd_restore, "Replace the whole database with the backup in FILE.")
    p.add_argument("file")
    p.add_argument("--yes", action="store_true", help="confirm replacing the current data")
    p = add("worker", cmd_worker, "Deliver due messages from the outbox (email, SMS) until stopped.")
    p.add_argument("--once", action="store_true", help="exit when nothing is due")
    p.add_argument("--concurrency", type=int, default=1, help="delivery loops (threads) in this process")
    p.add_argument("--poll", type=float, default=2.0, help="seconds to wait when nothing is due")
    p.add_argument("--batch", type=int, default=50, help="messages claimed per round")
    p.add_argument("--lease", type=float, default=60.0, help="seconds a claim lasts before others may retry")
    p = add("import-csv", cmd_import_csv, "Import clients or future appointments from a CSV file.")
    p.add_argument("kind", choices=["clients", "appointments"])
    p.add_argument("file")
    p.add_argument("--clinic", required=True, help="the clinic's slug")
    p.add_argument("--dry-run", action="store_true", help="check every row, report errors, write nothing")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--duplicates",
        choices=["skip", "create"],
        default="skip",
        help="clients matching a stored client or an earlier row (same email, phone, or name and "
        "date of birth): listed and skipped (default), or listed and created as separate records",
    )
    p = add("export-csv", cmd_export_csv, "Export clients, appointments or charts as CSV.")
    p.add_argument("kind", choices=["clients", "appointments", "charts"])
    p.add_argument("--clinic", required=True, help="the clinic's slug")
    p.add_argument("-o", "--output", help="file to write (default: standard output)")
    p.add_argument("--future", action="store_true", help="appointments: only those still to come")
    p = add("fhir-export", cmd_fhir_export, "Export one client's record as a FHIR R4 Bundle (JSON).")
    p.add_argument("client_id", type=int)
    p.add_argument("--clinic", required=True, help="the clinic's slug")
    p.add_argument("-o", "--output", help="file to write (default: standard output)")
    sub.add_parser(
        "plan",
        help="Compute a protocol plan for a client profile (see `needlepoint plan -h`).",
        add_help=False,
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["plan"]:
        from needlepoint.protocol.cli import main as plan_main

        return plan_main(argv[1:])
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
