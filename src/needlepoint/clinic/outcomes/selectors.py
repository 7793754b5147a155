"""Reads for outcomes: adverse-event lists and details, a client's score chains.

Every function takes the clinic and returns its rows only (another clinic's ids raise
``DoesNotExist``, which views turn into 404). PHI reads are logged by the caller.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import QuerySet

from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Clinic

from .models import AdverseEvent, FollowUpTask, OutcomeScore
from .scoring import scale_range, short_name


@dataclass(frozen=True)
class EventFilters:
    status: str = ""
    type: str = ""
    severity: str = ""
    origin: str = ""
    client_id: int | None = None
    practitioner_id: int | None = None
    since: date | None = None
    until: date | None = None


def adverse_events(clinic: Clinic, filters: EventFilters | None = None) -> QuerySet[AdverseEvent]:
    """The clinic's adverse events, newest first, narrowed by ``filters`` (blank = any)."""
    f = filters or EventFilters()
    qs = AdverseEvent.objects.for_clinic(clinic).select_related(
        "client", "appointment__practitioner__user", "device"
    )
    for name in ("status", "type", "severity", "origin"):
        value = getattr(f, name)
        if value:
            qs = qs.filter(**{name: value})
    if f.client_id:
        qs = qs.filter(client_id=f.client_id)
    if f.practitioner_id:
        qs = qs.filter(appointment__practitioner_id=f.practitioner_id)
    if f.since:
        qs = qs.filter(created_at__date__gte=f.since)
    if f.until:
        qs = qs.filter(created_at__date__lte=f.until)
    return qs


def adverse_event(clinic: Clinic, pk: int) -> AdverseEvent:
    qs = AdverseEvent.objects.for_clinic(clinic).select_related("client", "appointment", "device")
    return qs.get(pk=pk)


def follow_up_task(clinic: Clinic, pk: int) -> FollowUpTask:
    return FollowUpTask.objects.for_clinic(clinic).select_related("event").get(pk=pk)


def client_scores(clinic: Clinic, client: Client) -> QuerySet[OutcomeScore]:
    qs = OutcomeScore.objects.for_clinic(clinic).filter(client=client)
    return qs.order_by("session_at", "area", "scale")


def outcome_score(clinic: Clinic, pk: int) -> OutcomeScore:
    return OutcomeScore.objects.for_clinic(clinic).select_related("client").get(pk=pk)


@dataclass
class Chain:
    """One line of the outcome chart: a scale's values for one area over the series."""

    scale: str
    area: str
    points: list[tuple[datetime, int]] = field(default_factory=list)

    @property
    def title(self) -> str:
        return short_name(self.scale)

    @property
    def where(self) -> str:
        return self.area.replace("_", " ").capitalize() if self.area else "Client-reported"

    @property
    def range(self) -> tuple[int, int]:
        return scale_range(self.scale)


def client_chains(clinic: Clinic, client: Client) -> list[Chain]:
    """Score chains for the chart, one per (scale, area), in session order."""
    chains: dict[tuple[str, str], Chain] = defaultdict(lambda: Chain("", ""))
    for s in client_scores(clinic, client):
        chain = chains[(s.scale, s.area)]
        if not chain.scale:
            chain.scale, chain.area = s.scale, s.area
        chain.points.append((s.session_at, s.value))
    return sorted(chains.values(), key=lambda c: (c.scale, c.area))
