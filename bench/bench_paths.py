"""Where the benchmarks keep their databases, state and logs: outside the repository's var/."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

BENCH_DIR = Path(os.environ.get("NP_BENCH_DIR", Path(tempfile.gettempdir()) / "np-bench"))
