"""Reads for reviews: what a client may review, the moderation queue and the public page."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Avg, Count, QuerySet
from django.urls import reverse

from needlepoint.clinic.booking.models import Appointment, AppointmentStatus, Series, SeriesStatus
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Clinic

from .models import Review, ReviewStatus


def is_reviewable(series: Series) -> bool:
    """A series can be reviewed once completed, or once its last session has been done."""
    if series.status == SeriesStatus.COMPLETED:
        return True
    return Appointment.objects.filter(
        series=series, series_index=series.sessions - 1, status=AppointmentStatus.COMPLETED
    ).exists()


def treatment_label(series: Series) -> str:
    """What the review concerns: the planned areas and indications, else the appointment type."""
    plan = series.plan
    if plan is not None:
        parts = [f"{a.area_name} — {a.indication_name}" for a in plan.areas.order_by("position")]
        if parts:
            return "; ".join(parts)[:200]
    return series.appointment_type.name[:200]


def reviewable_series(client: Client) -> list[Series]:
    """The client's finished series not yet reviewed (the portal offers these)."""
    series = (
        Series.objects.for_clinic(client.clinic_id)
        .filter(client=client, review__isnull=True)
        .exclude(status=SeriesStatus.CANCELLED)
        .select_related("appointment_type", "plan")
    )
    return [s for s in series if is_reviewable(s)]


def client_reviews(client: Client) -> QuerySet[Review]:
    return Review.objects.for_clinic(client.clinic_id).filter(client=client)


def client_review(client: Client, pk: int) -> Review:
    return client_reviews(client).get(pk=pk)


def client_series(client: Client, pk: int) -> Series:
    return Series.objects.for_clinic(client.clinic_id).select_related("plan", "appointment_type").get(
        client=client, pk=pk
    )


def moderation_queue(clinic: Clinic, *, status: str = ReviewStatus.PENDING) -> QuerySet[Review]:
    qs = Review.objects.for_clinic(clinic).select_related("client", "moderated_by__user")
    return qs.filter(status=status) if status else qs


def review(clinic: Clinic, pk: int) -> Review:
    return Review.objects.for_clinic(clinic).select_related("client").get(pk=pk)


@dataclass(frozen=True)
class PublicSummary:
    count: int
    mean_rating: float | None


def published_reviews(clinic: Clinic) -> QuerySet[Review]:
    """Published reviews, newest first: only what the public page may show (no client link)."""
    return (
        Review.objects.for_clinic(clinic)
        .filter(status=ReviewStatus.PUBLISHED)
        .order_by("-published_at")
        .only("rating", "text", "display_name", "treatment", "published_at", "status", "clinic_id")
    )


def public_summary(clinic: Clinic) -> PublicSummary:
    agg = Review.objects.for_clinic(clinic).filter(status=ReviewStatus.PUBLISHED).aggregate(
        n=Count("pk"), mean=Avg("rating")
    )
    return PublicSummary(agg["n"], float(agg["mean"]) if agg["mean"] is not None else None)


def review_request_url(clinic_slug: str) -> str:
    """Where the review request message sends the client (the portal asks them to sign in)."""
    path = reverse("portal-reviews", kwargs={"slug": clinic_slug})
    return f"{getattr(settings, 'NEEDLEPOINT_BASE_URL', '').rstrip('/')}{path}"
