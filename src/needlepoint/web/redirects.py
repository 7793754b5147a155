"""Old paths of moved pages keep working: each redirects to the route's new path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.urls import reverse


def moved(pattern_name: str, *, keeps_method: bool = False) -> Callable[..., HttpResponse]:
    """A view for an old path that sends the request to `pattern_name` with the same arguments
    and query string: 308 when `keeps_method` (a POST stays a POST), else 301."""

    def redirect(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        url = reverse(pattern_name, args=args, kwargs=kwargs)
        if request.META.get("QUERY_STRING"):
            url += "?" + request.META["QUERY_STRING"]
        response = HttpResponsePermanentRedirect(url)
        if keeps_method:
            response.status_code = 308
        return response

    return redirect
