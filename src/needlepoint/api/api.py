"""The NinjaAPI instance: routers, the error mapping, OpenAPI metadata."""

from __future__ import annotations

from ninja import NinjaAPI

from . import errors
from .docs import LocalSwagger
from .routers import (
    appointments,
    clients,
    intakes,
    me,
    messages,
    outcomes,
    photos,
    plans,
    reference,
    reviews,
    treatments,
)

DESCRIPTION = """Needlepoint's REST API, over the same services as the staff web pages.

Authenticate with a personal API token (create one, signed in, at `/account/api-tokens/`):
`Authorization: Bearer np_…`. A token belongs to one membership, so it sees one clinic and
can do at most what that member's role allows *now*; each operation also needs a scope
(a 403 names the missing one; `GET /api/me` lists the token's).
Errors have one shape: `{"error": {"code", "message", "fields"}}`. Lists are paged with
`limit`/`offset` and return `total` and `next_offset`."""


def build() -> NinjaAPI:
    api = NinjaAPI(
        title="Needlepoint API",
        version="1",
        description=DESCRIPTION,
        docs=LocalSwagger(),
        docs_url="/docs",
        openapi_url="/openapi.json",
        urls_namespace="api",
    )
    errors.install(api)
    for module in (
        me,
        reference,
        clients,
        intakes,
        plans,
        appointments,
        treatments,
        photos,
        outcomes,
        reviews,
        messages,
    ):
        api.add_router("", module.router)
    return api


api = build()
