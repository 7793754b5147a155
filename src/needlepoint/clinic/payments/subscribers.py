"""What payments does when something happens elsewhere (booked, cancelled, completed)."""

from __future__ import annotations


def connect() -> None:
    """Subscribe the payments reactions (called from ``PaymentsConfig.ready``)."""
