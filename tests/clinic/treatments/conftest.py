"""Uploads of these tests go to a temporary directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


@pytest.fixture(autouse=True)
def _clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """'Now' is the helpers' session start unless a test passes its own (the booking clock)."""
    from needlepoint import clock
    from tests.clinic.treatments.helpers import START

    monkeypatch.setattr(clock, "now", lambda: START)
