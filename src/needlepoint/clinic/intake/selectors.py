"""Reads of intakes. Each returns PHI and records the read."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from needlepoint.clinic.audit.services import AccessContext, record_access
from needlepoint.clinic.clients.models import Client

from .models import Intake


def intakes_of(client: Client) -> QuerySet[Intake]:
    return Intake.objects.for_clinic(client.clinic_id).filter(client=client).order_by("-version")


def latest_intake(client: Client) -> Intake | None:
    return intakes_of(client).first()


def intake_for_read(ctx: AccessContext, pk: int) -> Intake:
    intake = get_object_or_404(Intake.objects.for_clinic(ctx.clinic).select_related("client"), pk=pk)
    record_access(ctx, client=intake.client, action="view-intake")
    return intake
