"""FHIR R4 export of one client's record (see bundle.py for what goes in and why)."""

from .bundle import build_bundle

__all__ = ["build_bundle"]
