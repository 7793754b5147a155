"""One error type for every refusal a service makes.

A ``DomainError`` carries a stable ``code`` (for programs), a ``message`` for people and optional
``fields`` (field name → messages, ``__all__`` for the whole request). The API maps it once to
``{"error": {"code", "message", "fields"}}`` with ``status``; the web and the portal map it once
onto a form (``needlepoint.web.errors.apply_to_form``). Apps subclass these (``BookingError``,
``TreatmentError``…) to say which family a refusal belongs to; nothing else maps errors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

Fields = dict[str, list[str]]


class DomainError(Exception):
    """A refusal a person can act on. Subclasses set ``status`` and ``code`` defaults."""

    status: int = 400
    code: str = "invalid"

    def __init__(
        self,
        message: str = "",
        *,
        code: str | None = None,
        field: str | None = None,
        fields: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.fields: Fields = {k: [str(m) for m in v] for k, v in (fields or {}).items()}
        if field is not None and field not in self.fields:
            self.fields[field] = [message]
        if not message:
            message = _summary(self.fields) or "The request was refused."
        self.message = message
        if code is not None:
            self.code = code
        super().__init__(message)

    @property
    def field(self) -> str:
        """The single field this refusal concerns, or ``__all__``."""
        named = [k for k in self.fields if k != "__all__"]
        return named[0] if len(named) == 1 else "__all__"

    @property
    def status_code(self) -> int:  # older name, kept for callers that read it
        return self.status


def _summary(fields: Fields) -> str:
    general = fields.get("__all__") or []
    return " ".join(general) or "; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items())


class InvalidInput(DomainError):
    """The input breaks a rule (a date in the past, a negative amount…)."""


class NotAllowed(DomainError):
    """The actor's role (or kind) may not do this."""

    status = 403
    code = "forbidden"


class NotFound(DomainError):
    """No such object in the actor's clinic (another clinic's id answers the same: nothing leaks)."""

    status = 404
    code = "not_found"

    def __init__(self, message: str = "Not found.", **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]


class Conflict(DomainError):
    """The object is not in a state that allows this, or someone else got there first."""

    status = 409
    code = "conflict"
