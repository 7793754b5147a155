"""Reading filters from a query string, one way for every page: ids are database ids
(1..2^63-1, ASCII digits), dates are ISO and within 1900..2199 (needlepoint.inputs). A value
that cannot be one is `INVALID`, so a filter on it matches nothing instead of being dropped
(or reaching the database and failing)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import Enum
from typing import Final, Literal

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

from needlepoint import inputs


class _Invalid(Enum):
    INVALID = "invalid"


INVALID: Final = _Invalid.INVALID
Invalid = Literal[_Invalid.INVALID]


def query_id(request: HttpRequest, name: str) -> int | Invalid | None:
    """None when the parameter is absent or empty; INVALID when it is not a database id."""
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    value = inputs.parse_id(raw)
    return INVALID if value is None else value


def query_date(request: HttpRequest, name: str) -> date | Invalid | None:
    """None when absent or empty; INVALID unless an ISO date within 1900..2199."""
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    value = inputs.parse_date(raw)
    return INVALID if value is None else value


class RefuseNulMiddleware:
    """400 for a NUL character in a query string or a posted form field, before any view reads
    it: PostgreSQL text cannot hold NUL, so a raw `request.GET[...]` or `request.POST[...]`
    lookup with one fails as a 500 there (the fuzz test found /messages/templates/ with
    `language=%00`). Forms refuse NUL themselves; this covers the values views read directly.
    The forms of web pages are parsed here rather than in CsrfViewMiddleware, which reads them
    anyway; under /api/ (CSRF-exempt, JSON schemas refuse NUL) only the query string is read."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        params = [request.GET]
        if request.method == "POST" and not request.path.startswith("/api/") and _is_form(request):
            params.append(request.POST)
        if any("\x00" in k or "\x00" in v for q in params for k, values in q.lists() for v in values):
            return HttpResponseBadRequest(
                "Requests cannot contain NUL characters.", content_type="text/plain"
            )
        return self.get_response(request)


def _is_form(request: HttpRequest) -> bool:
    return request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data")
