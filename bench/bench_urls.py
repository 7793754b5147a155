"""The app's URL conf plus /bench-empty/: an empty view, the ceiling bench_http.py compares with."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from needlepoint.urls import urlpatterns as app_urlpatterns


def empty(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"", content_type="text/plain")


urlpatterns = [path("bench-empty/", empty), *app_urlpatterns]
