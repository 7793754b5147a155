"""Production settings plus one route for the benchmark's ceiling (bench/bench_http.py)."""

from needlepoint.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
