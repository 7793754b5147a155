"""One error body for every 4xx: {"error": {"code", "message", "fields"}}.

Services raise ``DomainError`` subclasses, which carry their own status and code; this module maps
them once, plus the framework's own errors (Ninja validation and auth, ``HttpError``, Django's 404,
``ValidationError`` and ``PermissionDenied``, the scheduling engine's input errors)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from needlepoint.clinic.errors import DomainError
from needlepoint.scheduling import SchedulingError

Fields = dict[str, list[str]]


class ApiError(DomainError):
    """Raised by handlers for a refusal that is not a service's (an unknown id in the body…)."""

    def __init__(self, status: int, code: str, message: str, fields: Fields | None = None) -> None:
        super().__init__(message, code=code, fields=fields)
        self.status = status


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


def _framework(exc: Exception) -> DomainError:
    """The framework's (and the engine's) own errors, as the DomainError they amount to."""
    if isinstance(exc, NinjaValidationError):
        fields = _validation_fields(exc.errors)
        return ApiError(422, "invalid_request", "The request does not match the schema.", fields)
    if isinstance(exc, AuthenticationError):
        return ApiError(401, "unauthenticated", "Send a valid API token: Authorization: Bearer np_…")
    if isinstance(exc, HttpError):
        code = {400: "bad_request", 403: "forbidden", 404: "not_found"}.get(exc.status_code, "error")
        return ApiError(exc.status_code, code, str(exc))
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        return ApiError(404, "not_found", "Not found.")
    if isinstance(exc, PermissionDenied | PermissionError):
        return ApiError(403, "forbidden", str(exc) or "Your role does not allow this.")
    if isinstance(exc, SchedulingError):
        return ApiError(400, "invalid", str(exc))
    if isinstance(exc, RequestDataTooBig):
        return ApiError(413, "too_large", "The request body is too large.")
    if isinstance(exc, SuspiciousOperation):  # too many fields or files, a malformed body…
        return ApiError(400, "bad_request", str(exc) or "The request could not be read.")
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return ApiError(400, "invalid", "", fields)
    raise exc


def as_body(exc: Exception) -> tuple[int, dict[str, Any]]:
    """(status, body) for every exception the API maps."""
    err = exc if isinstance(exc, DomainError) else _framework(exc)
    return err.status, body(err.code, err.message, err.fields)


MAPPED: tuple[type[Exception], ...] = (
    DomainError,
    NinjaValidationError,
    AuthenticationError,
    HttpError,
    Http404,
    ObjectDoesNotExist,
    PermissionDenied,
    PermissionError,
    SchedulingError,
    DjangoValidationError,
    SuspiciousOperation,
)


def install(api: NinjaAPI) -> None:
    def handler(request: HttpRequest, exc: Exception | type[Exception]) -> HttpResponse:
        assert isinstance(exc, Exception)  # Ninja passes the instance
        status, payload = as_body(exc)
        return api.create_response(request, payload, status=status)

    for kind in MAPPED:
        api.add_exception_handler(kind, handler)
