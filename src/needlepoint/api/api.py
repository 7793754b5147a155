"""The NinjaAPI instance: routers, the error mapping, OpenAPI metadata."""

from __future__ import annotations

from ninja import NinjaAPI, Router

from . import errors
from .auth import TokenAuth
from .docs import LocalSwagger
from .routers import (
    appointments,
    clients,
    intakes,
    me,
    messages,
    outcomes,
    payments,
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
        payments,
    ):
        _document_scopes(module.router)
        api.add_router("", module.router)
    return api


def _document_scopes(router: Router) -> None:
    """Each operation's description ends with the scope and roles it needs (from its TokenAuth)."""
    for path_view in router.path_operations.values():
        for operation in path_view.operations:
            auth = next((a for a in operation.auth_callbacks if isinstance(a, TokenAuth)), None)
            if auth is None:
                continue
            need = f"Scope `{auth.scope}`" if auth.scope else "Any valid token"
            roles = ", ".join(sorted(str(r) for r in auth.roles))
            operation.description = f"{operation.description or ''}\n\n{need}; roles: {roles}.".strip()


api = build()
