"""Mounts the API: /api/docs and /api/openapi.json."""

from __future__ import annotations

from django.urls import path
from ninja import NinjaAPI

api = NinjaAPI(title="Needlepoint API", version="1", docs_url="/docs", openapi_url="/openapi.json")

urlpatterns = [path("", api.urls)]
