"""Overlap check for a whole import at once (no query per row).

Every busy interval — of the appointments already stored in the import's time range and of the
rows being imported — is grouped by resource (practitioner, room, device, client) and swept in
start order: the file's rows against the stored intervals by binary search over a running
furthest end, and against each other by keeping the row that reaches furthest. O(n log n) for
the file plus one range query for what is stored.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

Key = tuple[str, int]  # ("practitioner" | "room" | "device" | "client", id)


@dataclass(frozen=True)
class Busy:
    key: Key
    start: datetime
    end: datetime
    line: int | None = None  # the CSV line for a row being imported; None for a stored appointment
    appointment_id: int | None = None


@dataclass(frozen=True)
class Clash:
    line: int
    key: Key
    other_line: int | None  # another row of the file …
    other_appointment: int | None  # … or a stored appointment


def find_clashes(intervals: Iterable[Busy]) -> list[Clash]:
    """Every (new row, resource) that overlaps a stored appointment, and every new row that
    overlaps an earlier-starting row of the file (the later row is reported, naming the earlier).
    Stored-with-stored overlaps are not the import's to report."""
    stored: dict[Key, list[Busy]] = defaultdict(list)
    new: dict[Key, list[Busy]] = defaultdict(list)
    for b in intervals:
        (new if b.line is not None else stored)[b.key].append(b)
    out: list[Clash] = []
    for key, rows in new.items():
        rows.sort(key=lambda b: (b.start, b.end))
        # Stored intervals by start with the running furthest end: an interval overlaps some
        # stored one iff the furthest end among those starting before its end passes its start.
        olds = sorted(stored.get(key, []), key=lambda b: b.start)
        starts = [b.start for b in olds]
        furthest: list[Busy] = []
        for b in olds:
            furthest.append(b if not furthest or b.end > furthest[-1].end else furthest[-1])
        holder: Busy | None = None
        for b in rows:
            assert b.line is not None
            i = bisect_left(starts, b.end)
            if i and furthest[i - 1].end > b.start:
                out.append(Clash(b.line, key, None, furthest[i - 1].appointment_id))
            elif holder is not None and b.start < holder.end:
                out.append(Clash(b.line, key, holder.line, None))
            if holder is None or b.end > holder.end:
                holder = b
    return sorted(out, key=lambda c: (c.line, c.key))
