"""Reads for the staff pages; every query is scoped to the clinic."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from needlepoint.clinic.audit.services import AccessContext, record_access
from needlepoint.clinic.clinics.models import Clinic

from .models import MessageTemplate, OutboxMessage, ReactionPhoto, ReactionReport


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


def reaction_photo_for_read(ctx: AccessContext, pk: int) -> ReactionPhoto:
    """One reaction photo of the context's clinic (404 otherwise); the read is logged."""
    photo = get_object_or_404(
        ReactionPhoto.objects.for_clinic(ctx.clinic).select_related("report__client"), pk=pk
    )
    record_access(ctx, client=photo.report.client, action="view-reaction-photo")
    return photo
