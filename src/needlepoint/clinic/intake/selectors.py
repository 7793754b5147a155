"""Reads of intakes. Each returns PHI and records the read."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from needlepoint.clinic.audit.services import AccessContext, record_access
from needlepoint.clinic.clients.models import Client

from .models import Intake, IntakePhoto


def intakes_of(client: Client) -> QuerySet[Intake]:
    return Intake.objects.for_clinic(client.clinic_id).filter(client=client).order_by("-version")


def latest_intake(client: Client) -> Intake | None:
    return intakes_of(client).first()


def intake_for_read(ctx: AccessContext, pk: int) -> Intake:
    intake = get_object_or_404(Intake.objects.for_clinic(ctx.clinic).select_related("client"), pk=pk)
    record_access(ctx, client=intake.client, action="view-intake")
    return intake


def photo_for_read(ctx: AccessContext, pk: int, *, client: Client | None = None) -> IntakePhoto:
    """A photo of the context's clinic (and of ``client``, for the portal); 404 otherwise."""
    qs = IntakePhoto.objects.for_clinic(ctx.clinic).select_related("intake__client")
    if client is not None:
        qs = qs.filter(intake__client=client)
    photo = get_object_or_404(qs, pk=pk)
    record_access(ctx, client=photo.intake.client, action="view-intake-photo")
    return photo
