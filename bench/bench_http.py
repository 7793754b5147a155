"""Benchmark: the app served for production (gunicorn, N workers, PostgreSQL) under a loopback load.

Prints figures; it is not a test. Starts ``needlepoint serve --workers N`` on the chain loaded by
bench/scenario.py (or targets a running server with ``--target``), then drives it with C
closed-loop clients (processes, one keep-alive ``http.client`` connection each) and prints, per
endpoint, median and p95 latency, requests per second and the ratio to the ceiling measured in
the same run:

* ceiling: ``/bench-empty/``, an empty Django view behind the full middleware stack, served by
  the same gunicorn. It exists only in bench/bench_settings.py's URL conf (the bench serves the
  app with ``DJANGO_SETTINGS_MODULE=bench_settings``, which is the production settings plus
  that one route); ``/healthz`` (one ``SELECT 1``) is printed too;
* the calendar week view, the client page, and booking: the web form POST of "Book the series"
  for one session (the view re-runs the search for the posted spec, verifies the signed option
  and books it: 302 on success). Each booking request books a different, free slot.

    .venv/bin/python bench/scenario.py --db postgres                       # once
    .venv/bin/python bench/bench_http.py [--workers 4] [--clients 8] [--seconds 10]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import secrets
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from bench_paths import BENCH_DIR  # noqa: E402

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(BENCH))
STATE_FILE = Path(os.environ.get("NP_BENCH_STATE", BENCH_DIR / "chain-pg.json"))


def _server_env(state: dict[str, Any]) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": state["database_url"],
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": f"{BENCH}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        "NEEDLEPOINT_SECRET_KEY": os.environ.get("NEEDLEPOINT_SECRET_KEY", secrets.token_urlsafe(50)),
        "NEEDLEPOINT_DATA_DIR": os.environ.get("NEEDLEPOINT_DATA_DIR", str(BENCH_DIR)),
    }
    env.pop("NEEDLEPOINT_DEMO", None)
    env.pop("NEEDLEPOINT_DEBUG", None)
    return env


def start_server(state: dict[str, Any], port: int, workers: int) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-m",
        "needlepoint.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
    ]
    proc = subprocess.Popen(cmd, env=_server_env(state), start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.3)
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
    raise SystemExit("server did not come up")


def session_cookie(state: dict[str, Any]) -> str:
    """A signed-in front-desk session, written straight into the server's session store."""
    from django.conf import settings
    from django.test import Client

    from needlepoint.clinic.accounts.models import User

    c = Client()
    c.force_login(User.objects.get(email=state["desk"]))
    session = c.cookies[settings.SESSION_COOKIE_NAME].value
    return f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={CSRF}"


CSRF = "b" * 32  # an unmasked CSRF secret: the same value in the cookie and the form field


def booking_requests(state: dict[str, Any], count: int) -> list[tuple[str, str]]:
    """(path, form body) pairs, each booking a different free slot: one slot per site per
    2.5 hours, so no two prepared bookings share a practitioner, room or pen."""
    from datetime import UTC, datetime

    from needlepoint import scheduling as eng
    from needlepoint.clinic.booking import services
    from needlepoint.clinic.booking.models import AppointmentType
    from needlepoint.clinic.clients.models import Client
    from needlepoint.clinic.clinics.models import Clinic

    clinic = Clinic.objects.get(pk=state["clinic_id"])
    kind = AppointmentType.objects.get(pk=state["pen_type_id"])
    today = date.fromisoformat(state["today"])
    now = datetime.now(UTC)
    clients = list(Client.objects.filter(clinic=clinic).order_by("-pk").values_list("pk", flat=True)[:count])
    out: list[tuple[str, str]] = []
    day = today + timedelta(days=3)
    while len(out) < count and day < today + timedelta(days=360):
        slots, _ = services.search_slots(clinic, kind, day, day, now=now, limit=5000)
        last: dict[str, datetime] = {}
        for slot in slots:
            if slot.location_id in last and slot.start - last[slot.location_id] < timedelta(
                hours=2, minutes=30
            ):
                continue
            last[slot.location_id] = slot.start
            local_day = slot.day.isoformat()
            body = urllib.parse.urlencode(
                {
                    "appointment_type": kind.pk,
                    "sessions": 1,
                    "first_earliest": local_day,
                    "first_latest": local_day,
                    "gap_min_days": 28,
                    "gap_max_days": 42,
                    "location": slot.location_id,
                    "same_practitioner": "soft",
                    "time_of_day": "",
                    "option": services.encode_option(
                        services.SeriesSpec(
                            client=Client(pk=clients[len(out)], clinic=clinic),
                            appointment_type=kind,
                            sessions=1,
                            first_earliest=slot.day,
                            first_latest=slot.day,
                            preferences=eng.Preferences(location_id=slot.location_id),
                            location_ids=frozenset({slot.location_id}),
                        ),
                        [slot.appointment()],
                    ),
                    "csrfmiddlewaretoken": CSRF,
                }
            )
            out.append((f"/clients/{clients[len(out)]}/series/new/", body))
            if len(out) >= count:
                break
        day += timedelta(days=1)
    return out


def _client(
    args: tuple[int, str, list[tuple[str, str, str | None]], float, int, int],
) -> list[tuple[float, int]]:
    port, cookie, requests, seconds, max_requests, offset = args
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie, "Host": "127.0.0.1"}
    out: list[tuple[float, int]] = []
    end = time.monotonic() + seconds
    i = offset
    while time.monotonic() < end and len(out) < max_requests:
        method, path, body = requests[i % len(requests)]
        i += 1
        h = dict(headers)
        if body is not None:
            h["Content-Type"] = "application/x-www-form-urlencoded"
        t0 = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=h)
            resp = conn.getresponse()
            resp.read()
            status = resp.status
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            status = 0
        out.append(((time.perf_counter() - t0) * 1000, status))
    conn.close()
    return out


def load(
    port: int,
    cookie: str,
    requests: list[tuple[str, str, str | None]],
    clients: int,
    seconds: float,
    per_client: int = 10**9,
    spread: bool = False,
) -> dict[str, Any]:
    """C closed-loop clients for `seconds`; `spread` gives each client its own slice of requests."""
    ctx = mp.get_context("fork")
    slice_ = len(requests) // clients if spread else 1
    t0 = time.perf_counter()
    with ctx.Pool(clients) as pool:
        parts = pool.map(
            _client,
            [
                (port, cookie, requests, seconds, min(per_client, slice_ if spread else 10**9), c * slice_)
                for c in range(clients)
            ],
        )
    wall = time.perf_counter() - t0
    samples = [s for part in parts for s in part]
    ms = sorted(x for x, _ in samples)
    statuses: dict[int, int] = {}
    for _, status in samples:
        statuses[status] = statuses.get(status, 0) + 1
    return {
        "n": len(ms),
        "median_ms": round(statistics.median(ms), 2),
        "p95_ms": round(ms[max(int(len(ms) * 0.95) - 1, 0)], 2),
        "rps": round(len(ms) / wall, 1),
        "statuses": statuses,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--clients", type=int, default=8, help="concurrent load-generator connections")
    parser.add_argument("--seconds", type=float, default=8.0, help="per endpoint")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--target", action="store_true", help="use a server already on --port")
    parser.add_argument("--bookings", type=int, default=1500, help="prepared booking requests")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    state = json.loads(STATE_FILE.read_text())
    os.environ.update({k: v for k, v in _server_env(state).items() if k != "PYTHONPATH"})
    import django

    django.setup()
    from django.db import connections

    from needlepoint.clinic.clients.models import Client

    cookie = session_cookie(state)
    today = date.fromisoformat(state["today"])
    client_ids = list(
        Client.objects.filter(clinic_id=state["clinic_id"]).order_by("pk").values_list("pk", flat=True)[:2000]
    )
    bookings = booking_requests(state, args.bookings)
    connections.close_all()
    server = None if args.target else start_server(state, args.port, args.workers)
    try:
        weeks: list[tuple[str, str, str | None]] = [
            (
                "GET",
                f"/calendar/?view=week&location={loc}&date={(today + timedelta(days=7 * w)).isoformat()}",
                None,
            )
            for w in range(20)
            for loc in state["location_ids"]
        ]
        endpoints: list[tuple[str, list[tuple[str, str, str | None]], bool]] = [
            ("empty view (ceiling)", [("GET", "/bench-empty/", None)], False),
            ("healthz (SELECT 1)", [("GET", "/healthz", None)], False),
            ("calendar week view", weeks, False),
            ("client page", [("GET", f"/clients/{pk}/", None) for pk in client_ids], False),
            ("booking (web form POST, 1 session)", [("POST", p, b) for p, b in bookings], True),
        ]
        # Warm every worker's caches and connections; searching (GET) warms the booking path.
        searches: list[tuple[str, str, str | None]] = [
            ("GET", f"{p}?{b.split('&option=')[0]}", None) for p, b in bookings[:50]
        ]
        for _, reqs, _spread in [*endpoints[1:4], ("search", searches, False)]:
            load(args.port, cookie, reqs, args.clients, 2.0, per_client=40)
        results: dict[str, Any] = {}
        ceiling = None
        print(
            f"gunicorn {args.workers} workers, {args.clients} clients, PostgreSQL chain; "
            f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )
        for label, reqs, spread in endpoints:
            r = load(args.port, cookie, reqs, args.clients, args.seconds, spread=spread)
            ceiling = ceiling or r["rps"]
            r["ratio"] = round(r["rps"] / ceiling, 3)
            r["load"] = [round(x, 2) for x in os.getloadavg()]
            results[label] = r
            print(
                f"{label:<38} median {r['median_ms']:7.2f} ms  p95 {r['p95_ms']:7.2f} ms  "
                f"{r['rps']:8.1f} req/s  "
                f"{100 * r['ratio']:5.1f} % of ceiling  statuses {r['statuses']}  [load {r['load'][0]}]"
            )
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
