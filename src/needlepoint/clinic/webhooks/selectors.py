"""Reads for the owner's webhook pages."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from needlepoint.clinic.clinics.models import Clinic

from .models import DeliveryStatus, WebhookDelivery, WebhookEndpoint


def endpoints(clinic: Clinic) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.for_clinic(clinic).annotate(
        failed=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
        pending=Count(
            "deliveries", filter=Q(deliveries__status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING])
        ),
    )


def deliveries(endpoint: WebhookEndpoint, *, status: str = "") -> QuerySet[WebhookDelivery]:
    qs = WebhookDelivery.objects.for_clinic(endpoint.clinic_id).filter(endpoint=endpoint)
    if status:
        qs = qs.filter(status=status)
    return qs.prefetch_related("attempt_log").order_by("-created_at", "-pk")
