"""Benchmark: the hot read paths in-process, against the chain loaded by bench/scenario.py.

Prints figures; it is not a test. Measures, with the whole chain loaded:

* series search through the database path (load the window's calendars + engine search):
  6 sessions 28-42 days apart, first in a 14-day window, varied preferences, any site;
* the staff calendar week view (Django test client: middleware, view, template);
* the client page (same).

    .venv/bin/python bench/scenario.py --db postgres        # once (state in /tmp/np-bench/chain-pg.json)
    .venv/bin/python bench/bench_chain.py [--searches 200] [--pages 100]
    NP_BENCH_STATE=/tmp/np-bench/chain-sqlite.json .venv/bin/python bench/bench_chain.py   # the SQLite load
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time as clock
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from bench_paths import BENCH_DIR  # noqa: E402

sys.path.insert(0, str(ROOT / "src"))
STATE_FILE = Path(os.environ.get("NP_BENCH_STATE", BENCH_DIR / "chain-pg.json"))


def load_state() -> dict:
    state: dict = json.loads(STATE_FILE.read_text())
    os.environ["DATABASE_URL"] = state["database_url"]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "needlepoint.settings")
    os.environ.setdefault("NEEDLEPOINT_DEMO", "1")
    os.environ.setdefault("NEEDLEPOINT_DATA_DIR", str(BENCH_DIR))
    import django

    django.setup()
    return state


def load_average() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def summary(label: str, ms: list[float], target: str = "") -> dict[str, float]:
    ms = sorted(ms)
    p95 = ms[max(int(len(ms) * 0.95) - 1, 0)]
    med = statistics.median(ms)
    print(
        f"{label:<44} median {med:7.2f} ms  p95 {p95:7.2f} ms  n={len(ms):<4} {target:<14} [{load_average()}]"
    )
    return {"median_ms": round(med, 2), "p95_ms": round(p95, 2), "n": len(ms)}


def timed(fn: Callable[[], object], n: int, warm: int = 3) -> list[float]:
    for _ in range(warm):
        fn()
    out = []
    for _ in range(n):
        t0 = clock.perf_counter()
        fn()
        out.append((clock.perf_counter() - t0) * 1000)
    return out


def series_searches(state: dict, n: int, one_site: bool = False) -> list[float]:
    from needlepoint import scheduling as eng
    from needlepoint.clinic.booking import services
    from needlepoint.clinic.booking.models import AppointmentType
    from needlepoint.clinic.clients.models import Client
    from needlepoint.clinic.clinics.models import Clinic

    clinic = Clinic.objects.get(pk=state["clinic_id"])
    kind = AppointmentType.objects.get(pk=state["pen_type_id"])
    clients = list(Client.objects.filter(clinic=clinic).order_by("pk")[:500])
    today = date.fromisoformat(state["today"])
    now = datetime.combine(today, datetime.min.time(), UTC)
    rng = random.Random(11)
    sites = [str(pk) for pk in state["location_ids"]]

    def one() -> None:
        first = today + timedelta(days=rng.randrange(2, 120))
        spec = services.SeriesSpec(
            client=rng.choice(clients),
            appointment_type=kind,
            sessions=6,
            first_earliest=first,
            first_latest=first + timedelta(days=14),
            preferences=eng.Preferences(
                same_practitioner=rng.choice(list(eng.SamePractitioner)),
                weekdays=frozenset(rng.sample(range(5), rng.randrange(0, 3))),
                time_of_day=rng.choice([None, eng.TimeOfDay.MORNING, eng.TimeOfDay.AFTERNOON]),
            ),
            location_ids=frozenset({rng.choice(sites)}) if one_site else None,
        )
        result, _ = services.search_series(clinic, spec, now=now)
        assert result.found or result.explanation is not None

    return timed(one, n)


def pages(state: dict, n: int) -> dict[str, list[float]]:
    from django.test import Client as HttpClient

    from needlepoint.clinic.accounts.models import User
    from needlepoint.clinic.clients.models import Client

    http = HttpClient()
    http.force_login(User.objects.get(email=state["desk"]))
    today = date.fromisoformat(state["today"])
    rng = random.Random(5)
    locations = state["location_ids"]
    client_ids = list(
        Client.objects.filter(clinic_id=state["clinic_id"]).order_by("pk").values_list("pk", flat=True)[:5000]
    )

    def week() -> None:
        day = today + timedelta(days=rng.randrange(0, 300))
        r = http.get(
            "/calendar/", {"view": "week", "location": rng.choice(locations), "date": day.isoformat()}
        )
        assert r.status_code == 200, r.status_code

    def client_page() -> None:
        r = http.get(f"/clients/{rng.choice(client_ids)}/")
        assert r.status_code == 200, r.status_code

    return {"week": timed(week, n), "client": timed(client_page, n)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    state = load_state()
    from django.db import connection

    c = state["counts"]
    print(
        f"{connection.vendor}: chain of {c['locations']} sites, {c['practitioners']} practitioners, "
        f"{c['clients']:,} clients, {c['past_appointments']:,} past + {c['future_appointments']:,} future"
    )
    out = {
        "series_search": summary(
            "series search, database path", series_searches(state, args.searches), "p95 <= 20 ms"
        ),
    }
    out["series_search_one_site"] = summary(
        "series search, one site (the form's Location)", series_searches(state, args.searches, True)
    )
    page = pages(state, args.pages)
    out["calendar_week"] = summary("calendar week view (in-process)", page["week"], "p95 <= 100 ms")
    out["client_page"] = summary("client page (in-process)", page["client"])
    if args.json:
        args.json.write_text(
            json.dumps({"vendor": connection.vendor, "load": os.getloadavg(), **out}, indent=2)
        )


if __name__ == "__main__":
    main()
