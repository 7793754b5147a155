"""Typed refusals of the treatment-day services. Each carries a message a person can act on,
the form field it concerns (or ``__all__``) and the HTTP status an interface should answer with."""

from __future__ import annotations


class TreatmentError(Exception):
    """Base class: a treatment-day action was refused."""

    status_code = 400

    def __init__(self, message: str, *, field: str = "__all__") -> None:
        self.message = message
        self.field = field
        super().__init__(message)


class NotAllowed(TreatmentError):
    """The member's role may not do this (e.g. the front desk charting)."""

    status_code = 403


class NotFound(TreatmentError):
    """An object of another clinic (answered like a missing id: nothing about it leaks)."""

    status_code = 404


class WrongState(TreatmentError):
    """The appointment or chart is not in a state that allows it (cancelled, not checked in…)."""

    status_code = 409


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
