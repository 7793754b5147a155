"""Every error answer under /api/ is the API's JSON error body, including those Django makes
before (or around) a Ninja view runs: an unknown path's 404, a 405, a body larger than
DATA_UPLOAD_MAX_MEMORY_SIZE (413), too many fields (400), a 500. Issue 21 found an oversized
body answered with an HTML page."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from .errors import body

PREFIX = "/api/"
#: The browsable docs are HTML on purpose.
HTML_PATHS = ("/api/docs",)
CODES = {
    400: ("bad_request", "The request could not be read."),
    401: ("unauthenticated", "Send a valid API token: Authorization: Bearer np_…"),
    403: ("forbidden", "Not allowed."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "This path does not take that method."),
    413: ("too_large", "The request body is too large."),
}


class JsonErrorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path.startswith(PREFIX)
            or request.path.startswith(HTML_PATHS)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        status = response.status_code
        code, message = CODES.get(status, ("server_error" if status >= 500 else "error", "Request failed."))
        if status >= 500:
            message = "Something went wrong on our side; the request was not completed."
        elif response.get("Content-Type", "").startswith("text/plain") and not response.streaming:
            message = response.content.decode(errors="replace").strip()[:500] or message
        replaced = JsonResponse(body(code, message), status=status)
        for header in ("Allow", "WWW-Authenticate", "Retry-After"):
            if header in response:
                replaced[header] = response[header]
        return replaced
