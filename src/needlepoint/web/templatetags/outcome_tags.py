"""The "Outcomes" section of the client record: score charts (SVG), photos, adverse events."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django import template
from django.utils.safestring import SafeString, mark_safe

from needlepoint.clinic.booking.models import Appointment, AppointmentStatus
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.outcomes import selectors
from needlepoint.clinic.treatments.models import TreatmentPhoto
from needlepoint.web.outcomes.views.chart import chain_svg

register = template.Library()


def _zone(client: Client) -> str:
    loc = client.preferred_location
    return loc.timezone if loc is not None else "UTC"


def treatment_photos(client: Client) -> list[TreatmentPhoto]:
    """Before/after photos from treatment charting (thumbnails served by the treatments views)."""
    qs = TreatmentPhoto.objects.for_clinic(client.clinic_id).filter(client=client)
    return list(qs.order_by("taken_at", "pk")[:12])


@register.simple_tag
def client_outcomes(client: Client) -> dict[str, Any]:
    # The client was fetched for this clinic (and the read logged) by the client view.
    clinic = client.clinic
    zone = _zone(client)
    chains = selectors.client_chains(clinic, client)
    charts: list[tuple[selectors.Chain, SafeString]] = [
        (c, mark_safe(chain_svg(c, zone))) for c in chains  # noqa: S308 - built with xml escaping
    ]
    sessions = list(
        Appointment.objects.for_clinic(clinic)
        .filter(client=client, status__in=[AppointmentStatus.COMPLETED, AppointmentStatus.CHECKED_IN])
        .select_related("location")
        .order_by("-start")[:12]
    )
    for s in sessions:
        s.local_start = s.start.astimezone(ZoneInfo(s.location.timezone))  # type: ignore[attr-defined]
    return {
        "charts": charts,
        "zone": zone,
        "sessions": sessions,
        "events": list(selectors.adverse_events(clinic, selectors.EventFilters(client_id=client.pk))[:20]),
        "photos": treatment_photos(client),
    }
