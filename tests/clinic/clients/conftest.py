"""Uploads of these tests (photos, signed consent) go to a temporary directory."""

from tests.media import _media  # noqa: F401 — autouse
