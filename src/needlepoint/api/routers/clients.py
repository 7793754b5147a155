"""Clients: list/search, read, create, change, archive."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.audit.services import record_access
from needlepoint.clinic.clients import selectors, services
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Location

from ..auth import requires
from ..context import access, clinic
from ..errors import ApiError
from ..pagination import PageParams, paginate
from ..schemas.clients import ClientIn, ClientOut, ClientPatch
from ..schemas.common import Page, Text, responses

router = Router(tags=["clients"])


def client_out(c: Client) -> dict[str, Any]:
    return ClientOut.model_validate(c, from_attributes=True).model_dump()


def _check_location(request: HttpRequest, location_id: int | None) -> None:
    if (
        location_id is not None
        and not Location.objects.for_clinic(clinic(request)).filter(pk=location_id).exists()
    ):
        raise ApiError(400, "invalid", "No such location.", {"preferred_location_id": ["No such location."]})


@router.get("/clients", response=responses(Page[ClientOut]), auth=requires("clients:read"))
def list_clients(
    request: HttpRequest,
    page: Query[PageParams],
    q: Text = "",
    include_archived: bool = False,
) -> dict[str, Any]:
    """Search by name, email or phone (every word must match)."""
    qs = selectors.search_clients(clinic(request), q[:100], include_archived=include_archived)
    # A list of names is PHI too: one access entry per page, as on the web.
    record_access(access(request), client=None, action="list")
    return paginate(qs, page, client_out)


@router.get("/clients/{client_id}", response=responses(ClientOut), auth=requires("clients:read"))
def get_client(request: HttpRequest, client_id: int) -> dict[str, Any]:
    return client_out(selectors.client_for_read(access(request), client_id))


@router.post("/clients", response=responses(ClientOut, 201), auth=requires("clients:write"))
def create_client(request: HttpRequest, payload: ClientIn) -> Status[dict[str, Any]]:
    _check_location(request, payload.preferred_location_id)
    client = Client(clinic=clinic(request), **payload.model_dump())
    services.save_client(client, consent_changed=True)
    return Status(201, client_out(client))


@router.patch("/clients/{client_id}", response=responses(ClientOut), auth=requires("clients:write"))
def update_client(request: HttpRequest, client_id: int, payload: ClientPatch) -> dict[str, Any]:
    client = selectors.client_for_read(access(request), client_id)
    changes = payload.model_dump(exclude_unset=True)
    if "preferred_location_id" in changes:
        _check_location(request, changes["preferred_location_id"])
    for name in ("first_name", "last_name", "date_of_birth", "consent_email", "consent_sms"):
        if name in changes and changes[name] is None:
            raise ApiError(400, "invalid", f"{name} cannot be null.", {name: ["This field cannot be null."]})
    before = (client.consent_email, client.consent_sms)
    for name, value in changes.items():
        setattr(client, name, "" if value is None and name in ("email", "phone") else value)
    services.save_client(client, consent_changed=before != (client.consent_email, client.consent_sms))
    return client_out(client)


@router.post(
    "/clients/{client_id}/archive",
    response=responses(ClientOut),
    auth=requires("clients:write", roles=[Role.OWNER]),
)
def archive_client(request: HttpRequest, client_id: int) -> dict[str, Any]:
    client = selectors.client_for_read(access(request), client_id)
    services.archive_client(client)
    return client_out(client)
