"""Isolation and role checks for this app's routes (registered in tests.platform.test_isolation)."""

from __future__ import annotations

from tests.platform.test_isolation import EXTRA_ROUTES

EXTRA_ROUTES.update({})
