"""Clients: list/search, read, create (refused as a possible duplicate unless confirmed),
change, archive and unarchive (owner tokens)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from needlepoint import clock
from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.audit.services import record_access
from needlepoint.clinic.client_records import services as records
from needlepoint.clinic.clients import selectors, services
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Location

from ..auth import requires
from ..context import access, actor, clinic
from ..errors import ApiError, body
from ..pagination import PageParams, paginate
from ..schemas.clients import ClientIn, ClientOut, ClientPatch, DuplicateOut
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


@router.post(
    "/clients",
    response={**responses(ClientOut, 201), 409: DuplicateOut},
    auth=requires("clients:write"),
)
def create_client(
    request: HttpRequest, payload: ClientIn, allow_duplicate: bool = False
) -> Status[dict[str, Any]]:
    """A new client. When a client of the clinic has the same email (any case), the same phone
    (compared in E.164) or the same name (case and accents ignored) and date of birth, the
    answer is **409** `duplicate_client` with the matches' ids and reasons, and nothing is
    created; send the request again with `?allow_duplicate=true` to create the record anyway.
    The phone may be typed nationally (the clinic's country) and is returned in E.164; a date of
    birth in the future or more than 120 years ago is refused (400)."""
    _check_location(request, payload.preferred_location_id)
    client = Client(clinic=clinic(request), **payload.model_dump())
    try:
        services.create_client(client, allow_duplicate=allow_duplicate)
    except services.DuplicateClient as exc:
        record_access(access(request), client=None, action="duplicates")
        out = body(exc.code, exc.message, exc.fields)
        out["error"]["matches"] = [{"id": m.client.pk, "reasons": list(m.reasons)} for m in exc.matches]
        return Status(409, out)
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
    records.archive_client(client, actor=actor(request), now=clock.now())
    return client_out(client)


@router.post(
    "/clients/{client_id}/unarchive",
    response=responses(ClientOut),
    auth=requires("clients:write", roles=[Role.OWNER]),
)
def unarchive_client(request: HttpRequest, client_id: int) -> dict[str, Any]:
    """Bring an archived client back (409 `merged` for a record merged into another)."""
    client = selectors.client_for_read(access(request), client_id)
    records.unarchive_client(client, actor=actor(request), now=clock.now())
    return client_out(client)
