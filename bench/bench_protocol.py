"""Benchmark: plan computation for a 5-area client (target: median < 1 ms).

Run with ``.venv/bin/python bench/bench_protocol.py [runs]``. The protocol is loaded once
(as in a server process); each run builds a complete plan, including numbing clock times.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from needlepoint.protocol import (
    AreaRequest,
    AreaState,
    ClientProfile,
    Device,
    DeviceKind,
    Medication,
    TreatmentRequest,
    build_plan,
    default_protocol,
)


def main(runs: int = 2000) -> None:
    _bench("5-area client", runs, sided=False)
    # The same client with a left cheek that is not ready: cheeks split into sides (6 areas).
    _bench("5-area client, cheeks by side", runs, sided=True)


def _bench(label: str, runs: int, *, sided: bool) -> None:
    protocol = default_protocol()
    profile = ClientProfile(
        fitzpatrick=4,
        date_of_birth=date(1994, 5, 17),
        conditions=["herpes_simplex_history"],
        medications=[Medication(code="isotretinoin", stopped_on=date(2025, 9, 30)),
                     Medication(code="topical_retinoid")],
        skin_state={"cheeks.left": [AreaState(code="active_acne")]} if sided else {},
    )
    request = TreatmentRequest(
        areas=[
            AreaRequest(area="cheeks", indication="acne_scars", goodman_baron_grade=3),
            AreaRequest(area="jawline", indication="acne_scars", goodman_baron_grade=2),
            AreaRequest(area="forehead", indication="fine_lines"),
            AreaRequest(area="nose", indication="texture_pores"),
            AreaRequest(area="perioral", indication="fine_lines"),
        ],
        device=Device(kind=DeviceKind.PEN, max_depth_mm=Decimal("2.0")),
    )
    today = date(2026, 11, 20)
    start = datetime(2026, 12, 1, 14, 0, tzinfo=ZoneInfo("Europe/London"))
    plan = build_plan(profile, request, protocol, today=today, appointment_start=start)
    assert len(plan.areas) + len(plan.removed_areas) == (6 if sided else 5), plan.removed_areas
    for _ in range(200):  # warm-up
        build_plan(profile, request, protocol, today=today, appointment_start=start)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter_ns()
        build_plan(profile, request, protocol, today=today, appointment_start=start)
        times.append(time.perf_counter_ns() - t0)
    times.sort()
    median = statistics.median(times) / 1e6
    p95 = times[int(len(times) * 0.95) - 1] / 1e6
    print(f"build_plan, {label}, {runs} runs: median {median:.3f} ms, p95 {p95:.3f} ms, "
          f"min {times[0] / 1e6:.3f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
