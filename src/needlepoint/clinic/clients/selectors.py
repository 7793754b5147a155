"""Reads of client records. Every function that returns PHI for a person records the access."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from needlepoint.clinic.audit.services import AccessContext, record_access
from needlepoint.clinic.clinics.models import Clinic

from . import identity, phones
from .models import Client


def search_clients(
    clinic: Clinic, query: str = "", *, include_archived: bool = False, archived_only: bool = False
) -> QuerySet[Client]:
    """Active clients by default; `include_archived` adds the archived ones, `archived_only`
    shows only them. A phone typed in any spelling finds the stored E.164 number."""
    qs = Client.objects.for_clinic(clinic).select_related("preferred_location")
    if archived_only:
        qs = qs.filter(is_archived=True)
    elif not include_archived:
        qs = qs.filter(is_archived=False)
    number = _as_phone(clinic, query)
    if number:
        return qs.filter(phone=number)
    for term in query.split():
        qs = qs.filter(
            Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
            | Q(email__icontains=term)
            | Q(phone__icontains=term)
        )
    return qs


def _as_phone(clinic: Clinic, query: str) -> str | None:
    text = query.strip()
    if len(text) < 7 or not set(text) <= set("+0123456789 ()-."):
        return None
    return phones.e164_or_none(text, phones.default_region(clinic))


def client_for_read(ctx: AccessContext, pk: int) -> Client:
    """The client record, scoped to the clinic (404 otherwise); the read is audit-logged."""
    client = get_object_or_404(Client.objects.for_clinic(ctx.clinic), pk=pk)
    record_access(ctx, client=client, action="view")
    return client


@dataclass(frozen=True)
class Match:
    """A stored client who may be the same person, and why."""

    client: Client
    reasons: tuple[str, ...]  # "email", "phone", "name and date of birth"

    @property
    def reason_text(self) -> str:
        return "same " + " and same ".join(self.reasons)


def find_duplicates(
    clinic: Clinic | int,
    *,
    first_name: str,
    last_name: str,
    date_of_birth: date | None,
    email: str = "",
    phone: str = "",
    exclude_pk: int | None = None,
    limit: int = 10,
) -> list[Match]:
    """Clients of `clinic` with the same email (any case), the same phone (E.164: normalise
    first, as Client.clean does) or the same name (case and accents ignored) and date of birth.
    Archived clients count (a returning client is one person); merged-away records do not."""
    clinic_id = clinic if isinstance(clinic, int) else clinic.pk
    wanted = Q(pk__in=[])
    email = identity.email_key(email)
    if email:
        wanted |= Q(email__iexact=email)
    if phone:
        wanted |= Q(phone=phone)
    key = identity.name_key(first_name, last_name)
    if key and date_of_birth is not None:
        wanted |= Q(name_key=key, date_of_birth=date_of_birth)
    qs = Client.objects.for_clinic(clinic_id).filter(wanted, merged_into__isnull=True).order_by("pk")
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    out = []
    for c in qs[:limit]:
        reasons = []
        if email and identity.email_key(c.email) == email:
            reasons.append("email")
        if phone and c.phone == phone:
            reasons.append("phone")
        if key and c.name_key == key and c.date_of_birth == date_of_birth:
            reasons.append("name and date of birth")
        out.append(Match(c, tuple(reasons)))
    return out


def duplicates_of(client: Client) -> list[Match]:
    """The possible duplicates of a stored client (the merge page's candidates)."""
    return find_duplicates(
        client.clinic_id,
        first_name=client.first_name,
        last_name=client.last_name,
        date_of_birth=client.date_of_birth,
        email=client.email,
        phone=client.phone if phones.is_e164(client.phone) else "",
        exclude_pk=client.pk,
    )
