"""What payments does when something happens elsewhere (booked, cancelled, completed)."""

from __future__ import annotations

from . import deposit_subscribers


def connect() -> None:
    """Subscribe the payments reactions (called from ``PaymentsConfig.ready``)."""
    deposit_subscribers.connect()
