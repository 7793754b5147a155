"""Hard limits that no protocol file can relax.

A clinic may copy the shipped protocol and change its defaults, but these values live in code on
purpose: they are the safety envelope the loader enforces and the planner re-checks.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

#: Shallowest medical depth: the shallowest setting that passes the stratum corneum (SEED).
DEPTH_FLOOR_MM: Final = Decimal("0.50")
#: Deepest depth the engine ever plans, whatever the area, device or override (SEED).
DEPTH_CEILING_MM: Final = Decimal("2.50")
#: Depths are stored as DecimalField(max_digits=3, decimal_places=2).
DEPTH_QUANTUM: Final = Decimal("0.01")

#: Shortest interval between two sessions on the same area, by region: the shortest used in
#: published trials (ALAM2014 face/body, DHURAT2013 scalp).
INTERVAL_FLOOR_DAYS: Final[dict[str, int]] = {"face": 14, "body": 14, "scalp": 7}
REGIONS: Final = tuple(INTERVAL_FLOOR_DAYS)

#: Topical anaesthetic label maxima (EMLA SmPC large-area limit, which CLINICAL.md applies to
#: every agent by default): no clinic file may exceed them.
NUMBING_MAX_AREA_CM2: Final = 600
NUMBING_MAX_GRAMS: Final = Decimal("60")
NUMBING_MAX_APPLICATION_MINUTES: Final = 300
#: OTC lidocaine above this strength is flagged (FDA warning letters, 2024).
OTC_LIDOCAINE_MAX_PERCENT: Final = Decimal("4")

#: Skin states that must always BLOCK the area (SEED: never treat inflamed or infected areas;
#: open wounds are also broken skin for the anaesthetic, FDA2009).
MANDATORY_BLOCK_STATES: Final = frozenset({"inflamed", "infected", "open_wound"})
