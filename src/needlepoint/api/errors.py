"""One error body for every 4xx: {"error": {"code", "message", "fields"}}.

Services raise typed domain exceptions; this module is the single place that maps them (and
Ninja's own validation/auth errors, and Django's 404) to a status and a code."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from needlepoint.clinic.booking.services import BookingError
from needlepoint.clinic.consent.services import ConsentInvalid, ConsentMissing
from needlepoint.clinic.errors import DomainError
from needlepoint.clinic.intake.services import IntakeInvalid
from needlepoint.clinic.outcomes.services import OutcomeError
from needlepoint.clinic.plans.selectors import PlanNotBookable
from needlepoint.clinic.plans.services import PlanError
from needlepoint.clinic.reviews.services import ReviewError
from needlepoint.clinic.treatments.errors import TreatmentError
from needlepoint.scheduling import SchedulingError

Fields = dict[str, list[str]]


class ApiError(Exception):
    """Raised by handlers for a refusal that is not a service's domain error."""

    def __init__(self, status: int, code: str, message: str, fields: Fields | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}


def body(code: str, message: str, fields: Fields | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _validation_fields(errors: list[dict[str, Any]]) -> Fields:
    out: Fields = {}
    for e in errors:
        # loc is ("body", "payload", "first_name") or ("query", "limit"): keep the field path.
        loc = [str(p) for p in e.get("loc", ())]
        key = ".".join(loc[2:] if len(loc) > 2 and loc[0] in ("body", "form") else loc[1:] or loc)
        out.setdefault(key or "__all__", []).append(str(e.get("msg", "Invalid value.")))
    return out


def _split(errors: dict[str, list[str]]) -> tuple[str, Fields]:
    general = errors.get("__all__") or []
    message = " ".join(general) or "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items())
    return message or "The request was refused.", {k: list(v) for k, v in errors.items()}


def _mapped(exc: Exception) -> tuple[int, str, str, Fields]:
    """(status, code, message, fields) for every exception the API maps."""
    if isinstance(exc, ApiError):
        return exc.status, exc.code, exc.message, exc.fields
    if isinstance(exc, DomainError):
        return exc.status, exc.code, exc.message, exc.fields
    if isinstance(exc, NinjaValidationError):
        return (
            422,
            "invalid_request",
            "The request does not match the schema.",
            _validation_fields(exc.errors),
        )
    if isinstance(exc, AuthenticationError):
        return 401, "unauthenticated", "Send a valid API token: Authorization: Bearer np_…", {}
    if isinstance(exc, HttpError):
        code = {400: "bad_request", 403: "forbidden", 404: "not_found"}.get(exc.status_code, "error")
        return exc.status_code, code, str(exc), {}
    if isinstance(exc, TreatmentError):
        code = {403: "forbidden", 409: "wrong_state"}.get(exc.status_code, "invalid")
        return exc.status_code, code, exc.message, {exc.field: [exc.message]}
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        return 404, "not_found", "Not found.", {}
    if isinstance(exc, PermissionDenied | PermissionError):
        return 403, "forbidden", str(exc) or "Your role does not allow this.", {}
    if isinstance(exc, BookingError):
        code = "conflict" if exc.status_code == 409 else "booking_refused"
        return exc.status_code, code, str(exc), {}
    if isinstance(exc, ConsentMissing):
        return 409, "consent_missing", str(exc), {}
    if isinstance(exc, PlanError | IntakeInvalid | ConsentInvalid):
        message, fields = _split(exc.errors)
        return 400, "invalid", message, fields
    if isinstance(exc, OutcomeError | ReviewError):
        return 400, "invalid", str(exc), {}
    if isinstance(exc, SchedulingError):
        return 400, "invalid", str(exc), {}
    if isinstance(exc, PlanNotBookable):
        return 400, "plan_not_bookable", exc.message, {}
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        message, fields = _split(fields)
        return 400, "invalid", message, fields
    raise exc


MAPPED: tuple[type[Exception], ...] = (
    ApiError,
    DomainError,
    NinjaValidationError,
    HttpError,
    Http404,
    ObjectDoesNotExist,
    TreatmentError,
    PermissionDenied,
    PermissionError,
    BookingError,
    ConsentMissing,
    PlanError,
    IntakeInvalid,
    ConsentInvalid,
    PlanNotBookable,
    SchedulingError,
    OutcomeError,
    ReviewError,
    DjangoValidationError,
)


def install(api: NinjaAPI) -> None:
    def handler(request: HttpRequest, exc: Exception | type[Exception]) -> HttpResponse:
        assert isinstance(exc, Exception)  # Ninja passes the instance
        status, code, message, fields = _mapped(exc)
        return api.create_response(request, body(code, message, fields), status=status)

    for kind in MAPPED:
        api.add_exception_handler(kind, handler)
