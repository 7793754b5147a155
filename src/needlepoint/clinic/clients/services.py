"""Writes to client records.

The rules of a record (a plausible date of birth, a real phone stored in E.164) live on the model
(``Client.clean``, through ``identity`` and ``phones``) and run on every save here; a new record is
first checked for possible duplicates (``create_client``). Archiving, unarchiving and merging
need the permissions kernel, which sits above this app: they are ``clinic/client_records``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from needlepoint import clock
from needlepoint.clinic.errors import Conflict, InvalidInput

from .models import Client
from .selectors import Match, find_duplicates


class DuplicateClient(Conflict):
    """A new record looks like a client the clinic already has. Send it again with the explicit
    confirmation (``allow_duplicate``) to create it anyway."""

    code = "duplicate_client"

    def __init__(self, matches: list[Match]) -> None:
        self.matches = matches
        names = "; ".join(f"{m.client.full_name} (#{m.client.pk}, {m.reason_text})" for m in matches)
        super().__init__(f"This may be a client you already have: {names}.")


def validated(client: Client) -> Client:
    """`client` after the model's rules (phone normalised in place); refusals as InvalidInput."""
    try:
        client.full_clean()
    except ValidationError as exc:
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        raise InvalidInput(fields=fields) from exc
    return client


def save_client(client: Client, *, consent_changed: bool) -> Client:
    # A change of messaging consent is dated: later messaging must be able to prove it.
    if consent_changed or client.pk is None:
        client.consent_updated_at = clock.now()
    validated(client)
    client.save()
    return client


def create_client(client: Client, *, allow_duplicate: bool = False) -> Client:
    """A new record, refused with ``DuplicateClient`` (409) when it matches a stored client by
    email, phone, or name and date of birth, unless the caller confirmed (`allow_duplicate`)."""
    validated(client)
    if not allow_duplicate:
        matches = find_duplicates(
            client.clinic_id,
            first_name=client.first_name,
            last_name=client.last_name,
            date_of_birth=client.date_of_birth,
            email=client.email,
            phone=client.phone,
        )
        if matches:
            raise DuplicateClient(matches)
    return save_client(client, consent_changed=True)
