"""Reads for the staff pages; every query is scoped to the clinic."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from needlepoint.clinic.audit.services import AccessContext, record_access
from needlepoint.clinic.clinics.models import Clinic

from .models import (
    Conversation,
    InboundMessage,
    MessageTemplate,
    OutboxMessage,
    ReactionPhoto,
    ReactionReport,
    Status,
)


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


def red_flags_awaiting(clinic: Clinic) -> QuerySet:
    """Red-flag reaction reports no clinician has acknowledged yet, oldest first (they head the
    day sheet until someone does)."""
    return (
        ReactionReport.objects.for_clinic(clinic)
        .exclude(red_flags=[])
        .filter(acknowledged_at__isnull=True)
        .select_related("client")
        .order_by("created_at")
    )


def failed_since(clinic: Clinic, since: datetime) -> QuerySet:
    """Messages that gave up (every attempt failed) and were due since ``since``."""
    return OutboxMessage.objects.for_clinic(clinic).filter(status=Status.FAILED, due_at__gte=since)


def unread_count(clinic: Clinic | int) -> int:
    """Replies from clients nobody has answered or marked handled yet (unmatched ones included:
    the owner reviews those). For the inbox badge and the day sheet."""
    return int(InboundMessage.objects.for_clinic(clinic).filter(handled_at=None).count())


def inbox(clinic: Clinic) -> QuerySet:
    """Conversations, those with unread replies first, then the most recent."""
    return (
        Conversation.objects.for_clinic(clinic)
        .select_related("client")
        .annotate(unread=Count("messages", filter=Q(messages__handled_at=None)))
        .order_by("-unread", "-last_inbound_at")
    )


def unmatched(clinic: Clinic, *, include_handled: bool = False) -> QuerySet:
    qs = InboundMessage.objects.for_clinic(clinic).filter(client=None).order_by("-received_at")
    return qs if include_handled else qs.filter(handled_at=None)


def conversation_of(clinic: Clinic, pk: int) -> Conversation:
    return get_object_or_404(
        Conversation.objects.for_clinic(clinic).select_related("client", "client__clinic"), pk=pk
    )


def conversation_for_client(clinic: Clinic, client_id: int) -> Conversation | None:
    found: Conversation | None = (
        Conversation.objects.for_clinic(clinic)
        .filter(client_id=client_id)
        .annotate(unread=Count("messages", filter=Q(messages__handled_at=None)))
        .first()
    )
    return found
