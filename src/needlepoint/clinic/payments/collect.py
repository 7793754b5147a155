"""The worker's money round: bill memberships, collect instalments, expire packages. One
function for ``ops.worker`` to call; each part is idempotent, so a round repeated after a crash
charges nothing twice."""

from __future__ import annotations

from datetime import datetime

from needlepoint import clock

from .memberships import bill_memberships
from .packages import collect_instalments, expire_packages


def process_batch(worker: str = "", now: datetime | None = None) -> int:
    """One round; returns how many charges were tried or packages expired (0: nothing due)."""
    at = now or clock.now()
    return bill_memberships(at) + collect_instalments(at) + expire_packages(at)
