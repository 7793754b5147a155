"""Reads for the staff pages; every query is scoped to the clinic."""

from __future__ import annotations

from django.db.models import QuerySet

from needlepoint.clinic.clinics.models import Clinic
from needlepoint.clinic.outcomes.models import AdverseEvent

from .models import MessageTemplate, OutboxMessage, ReactionReport


def delivery_log(
    clinic: Clinic, *, client_id: int | None = None, status: str = "", kind: str = ""
) -> QuerySet:
    qs = OutboxMessage.objects.for_clinic(clinic).select_related("client").order_by("-due_at")
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.prefetch_related("attempt_log")


def templates_of(clinic: Clinic) -> QuerySet:
    return MessageTemplate.objects.for_clinic(clinic)


def reaction_reports(clinic: Clinic) -> QuerySet:
    return (
        ReactionReport.objects.for_clinic(clinic)
        .select_related("client", "appointment")
        .prefetch_related("photos")
    )


def adverse_events(clinic: Clinic, *, status: str = "") -> QuerySet:
    qs = AdverseEvent.objects.for_clinic(clinic).select_related("client")
    return qs.filter(status=status) if status else qs
