"""Reads of client records. Every function that returns PHI for a person records the access."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from needlepoint.clinic.audit.services import AccessContext, record_access
from needlepoint.clinic.clinics.models import Clinic

from .models import Client


def search_clients(clinic: Clinic, query: str = "", *, include_archived: bool = False) -> QuerySet[Client]:
    qs = Client.objects.for_clinic(clinic).select_related("preferred_location")
    if not include_archived:
        qs = qs.filter(is_archived=False)
    for term in query.split():
        qs = qs.filter(
            Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
            | Q(email__icontains=term)
            | Q(phone__icontains=term)
        )
    return qs


def client_for_read(ctx: AccessContext, pk: int) -> Client:
    """The client record, scoped to the clinic (404 otherwise); the read is audit-logged."""
    client = get_object_or_404(Client.objects.for_clinic(ctx.clinic), pk=pk)
    record_access(ctx, client=client, action="view")
    return client
