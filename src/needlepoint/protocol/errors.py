"""Typed errors of the protocol engine.

Both carry the offending key path so that the CLI, forms and the API can point at the field.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DataIssue:
    """One problem in a protocol data file."""

    file: str
    key: str
    problem: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.problem}" if self.key else f"{self.file}: {self.problem}"


class ProtocolDataError(ValueError):
    """A protocol or bibliography file is unreadable or breaks the schema or the hard limits.

    ``str(err)`` is one line per issue, e.g.
    ``protocol.yaml: areas.cheeks.hard_max_mm: must be ≤ 2.5 (got 3.0)``.
    """

    def __init__(self, issues: list[DataIssue]) -> None:
        if not issues:
            raise ValueError("ProtocolDataError needs at least one issue")
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))

    @property
    def file(self) -> str:
        return self.issues[0].file

    @property
    def key(self) -> str:
        return self.issues[0].key

    @property
    def problem(self) -> str:
        return self.issues[0].problem


class PlanInputError(ValueError):
    """A client profile or treatment request cannot be planned as given.

    ``field`` is a key path into the plan input (``areas[1].area``, ``client.fitzpatrick``).
    """

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}" if field else problem)


class DepthOverrideError(PlanInputError):
    """A practitioner depth override is refused: beyond a hard limit, or missing its reason.

    The engine refuses rather than silently clamping, so the practitioner sees the problem on
    the form field instead of a plan that differs from what they typed.
    """
