"""Treatment day: numbing, charts, lots, photos."""

from __future__ import annotations
