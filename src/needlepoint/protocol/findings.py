"""Findings the engine raises itself; wording and sources come from ``built_in_checks``."""

from __future__ import annotations

from datetime import date
from typing import Literal

from .loader import Protocol
from .models import Finding, Severity


def _clean(text: str) -> str:
    return " ".join(text.split())


def built_in(
    protocol: Protocol,
    code: str,
    severity: Severity,
    *,
    area: str | None = None,
    applies_to: Literal["treatment", "numbing"] = "treatment",
    until: date | None = None,
    **values: object,
) -> Finding:
    check = protocol.check(code)
    return Finding(
        code=code,
        severity=severity,
        applies_to=applies_to,
        area=area,
        reason=_clean(check.reason.format(**values)),
        citations=list(check.citations),
        until=until,
        action=_clean(check.action.format(**values)) if check.action else None,
    )


def unique(items: list[str]) -> list[str]:
    """Order-preserving de-duplication (for citation lists)."""
    return list(dict.fromkeys(items))
