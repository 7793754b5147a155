"""Typed refusals of the treatment-day services. Each carries a message a person can act on and
the form field it concerns (``__all__`` for the whole form); ``status``/``code`` come from the
shared ``DomainError`` kinds, so ``except TreatmentError`` and ``except errors.NotAllowed`` both
catch a treatment ``NotAllowed``."""

from __future__ import annotations

from needlepoint.clinic import errors


class TreatmentError(errors.DomainError):
    """Base class: a treatment-day action was refused."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str = "__all__") -> None:
        super().__init__(message, field=field)


class NotAllowed(TreatmentError, errors.NotAllowed):
    """The member's role may not do this (e.g. the front desk charting)."""

    status = 403
    code = "forbidden"


class NotFound(TreatmentError, errors.NotFound):
    """An object of another clinic (answered like a missing id: nothing about it leaks)."""

    status = 404
    code = "not_found"


class WrongState(TreatmentError, errors.Conflict):
    """The appointment or chart is not in a state that allows it (cancelled, not checked in…)."""

    status = 409
    code = "wrong_state"


class ChartLocked(WrongState):
    """The chart is signed: only addenda may be added."""


class LotRefused(TreatmentError):
    """The lot may not be used: expired, recalled, out of stock, wrong kind or location."""


class DepthRefused(TreatmentError):
    """The protocol engine refused the depth (hard limit) or an override lacks its reason."""


class NumbingRefused(TreatmentError):
    """A numbing record is invalid (unknown agent or area, applied in the future…)."""


class PhotoRejected(TreatmentError):
    """The upload is not an image we accept (not an image, too large, decompression bomb)."""
