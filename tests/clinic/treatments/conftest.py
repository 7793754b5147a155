"""Uploads of these tests go to a temporary directory; 'now' is the helpers' session start."""

from __future__ import annotations

import pytest

from tests.media import _media  # noqa: F401 — autouse: uploads go to a temporary directory


@pytest.fixture(autouse=True)
def _clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """'Now' is the helpers' session start unless a test passes its own (the booking clock)."""
    from needlepoint import clock
    from tests.clinic.treatments.helpers import START

    monkeypatch.setattr(clock, "now", lambda: START)
