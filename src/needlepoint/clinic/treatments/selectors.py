"""Treatment-day reads: the numbing clock, charts, lots in stock, the recall trace, photos.

Request-free like the services (clinic + plain values in). Reading PHI is logged by the caller
with ``audit.services.record_access`` — except :func:`photo_for_read`, which takes the access
context and logs itself, as the other photo selectors do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import F, Q, QuerySet
from django.shortcuts import get_object_or_404

from needlepoint.clinic.audit.services import AccessContext, record_access
from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Clinic, Location

from .models import Chart, ChartEntry, Lot, NumbingApplication, TreatmentPhoto
from .vocab import LotKind, PhotoPhase

#: Warn this long before the reliable numbing window ends.
WINDOW_ENDING_WARNING = timedelta(minutes=30)

__all__ = [
    "ClockState",
    "NumbingClock",
    "PhotoPair",
    "TraceRow",
    "appointment_for",
    "chart_entries",
    "chart_for_appointment",
    "charts_of_client",
    "clock_for",
    "lots",
    "numbing_clock",
    "photo_for_read",
    "photo_pair",
    "photos_of_appointment",
    "photos_of_client",
    "recall_trace",
    "sessions_with_photos",
    "usable_lots",
]


def appointment_for(clinic: Clinic, pk: int) -> Appointment:
    """The clinic's appointment (another clinic's id: Appointment.DoesNotExist)."""
    return (
        Appointment.objects.for_clinic(clinic)
        .select_related(
            "client", "location", "practitioner__user", "room", "device", "appointment_type", "series__plan"
        )
        .get(pk=pk)
    )


# --- numbing clock -------------------------------------------------------------------------------


class ClockState:
    NONE = "none"  # no anaesthetic recorded
    NUMBING = "numbing"  # on, not yet ready
    READY = "ready"  # inside the reliable window
    ENDING = "ending"  # reliable window ends within WINDOW_ENDING_WARNING
    BEYOND = "beyond"  # past the reliable window, within the longest effect
    EXPIRED = "expired"  # past the longest effect


@dataclass(frozen=True)
class NumbingClock:
    """Where the numbing stands at ``now``: all instants UTC, ``zone`` for display."""

    state: str
    now: datetime
    zone: str
    application: NumbingApplication | None = None
    ready_at: datetime | None = None
    effective_until: datetime | None = None
    effective_until_latest: datetime | None = None
    #: Whole minutes until ready (0 once ready).
    minutes_to_ready: int = 0
    #: Whole minutes left in the reliable window (negative once past it).
    minutes_left: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def is_ready(self) -> bool:
        return self.state in (ClockState.READY, ClockState.ENDING, ClockState.BEYOND)

    @property
    def is_running(self) -> bool:
        """Still changing: worth refreshing the page."""
        return self.state not in (ClockState.NONE, ClockState.EXPIRED)

    def local(self, instant: datetime | None) -> datetime | None:
        return instant.astimezone(ZoneInfo(self.zone)) if instant else None


def _minutes(delta: timedelta) -> int:
    # Round towards "not yet": 30 s before ready still shows 1 min.
    seconds = delta.total_seconds()
    return int(-(-seconds // 60)) if seconds > 0 else int(seconds // 60)


def numbing_clock(appointment: Appointment, *, now: datetime) -> NumbingClock:
    """The numbing clock of the appointment's latest application (see :func:`clock_for`)."""
    zone = appointment.location.timezone
    app = NumbingApplication.objects.filter(appointment=appointment).order_by("-applied_at", "-pk").first()
    if app is None:
        return NumbingClock(ClockState.NONE, now, zone)
    return clock_for(app, zone=zone, session_end=appointment.end, now=now)


def clock_for(
    app: NumbingApplication, *, zone: str, session_end: datetime | None, now: datetime
) -> NumbingClock:
    """The countdown to "ready" with warnings: the reliable window ending soon or exceeded,
    the planned session running past it, the numbed surface or amount above the agent's
    large-area limit. Times compare as instants, so a DST change between application and now
    changes nothing but the wall-clock times shown (in ``zone``)."""
    # Arithmetic in UTC: Python adds to a zoned datetime on the wall clock, which is wrong
    # across a DST change (01:30 EDT + 45 min is not 02:15 EST).
    now = now.astimezone(UTC)
    ready_at = app.applied_at.astimezone(UTC) + timedelta(minutes=app.onset_minutes)
    until = ready_at + timedelta(minutes=app.effect_min_minutes)
    latest = ready_at + timedelta(minutes=app.effect_max_minutes)
    tz = ZoneInfo(zone)
    warnings: list[str] = []
    if now < ready_at:
        state = ClockState.NUMBING
    elif now < until - WINDOW_ENDING_WARNING:
        state = ClockState.READY
    elif now < until:
        state = ClockState.ENDING
        warnings.append(
            f"The reliable numbing window ends at {until.astimezone(tz):%H:%M}: finish or re-assess."
        )
    elif now < latest:
        state = ClockState.BEYOND
        warnings.append(
            f"Past the reliable numbing window ({app.effect_min_minutes // 60} h, ended "
            f"{until.astimezone(tz):%H:%M}); the effect may fade before {latest.astimezone(tz):%H:%M}."
        )
    else:
        state = ClockState.EXPIRED
        warnings.append(
            f"The numbing window was exceeded (ended {latest.astimezone(tz):%H:%M} at the latest): "
            "do not rely on it; do not simply add more cream without a clinical decision."
        )
    if state in (ClockState.NUMBING, ClockState.READY) and session_end and session_end > until:
        warnings.append(
            f"The session is booked to end at {session_end.astimezone(tz):%H:%M}, after the reliable "
            f"window ends ({until.astimezone(tz):%H:%M})."
        )
    if app.surface_cm2 > app.max_area_cm2:
        warnings.append(
            f"Numbed surface {app.surface_cm2} cm² exceeds the {app.max_area_cm2} cm² large-area limit of "
            f"{app.agent_name} (FDA 2009: smallest amount, smallest area); watch for toxicity signs."
        )
    if app.amount_g > app.max_grams:
        warnings.append(f"{app.amount_g} g exceeds the {app.max_grams} g maximum of {app.agent_name}.")
    return NumbingClock(
        state=state,
        now=now,
        zone=zone,
        application=app,
        ready_at=ready_at,
        effective_until=until,
        effective_until_latest=latest,
        minutes_to_ready=max(0, _minutes(ready_at - now)),
        minutes_left=_minutes(until - now),
        warnings=warnings,
    )


# --- charts --------------------------------------------------------------------------------------


def chart_for_appointment(clinic: Clinic, appointment: Appointment) -> Chart | None:
    return (
        Chart.objects.for_clinic(clinic)
        .select_related("signed_by__user", "plan")
        .filter(appointment=appointment)
        .first()
    )


def chart_entries(chart: Chart) -> QuerySet[ChartEntry]:
    return chart.entries.select_related("device", "cartridge_lot", "product_lot").order_by("position", "pk")


def charts_of_client(clinic: Clinic, client: Client) -> QuerySet[Chart]:
    """The client's charts, newest session first (the treatment history)."""
    return (
        Chart.objects.for_clinic(clinic)
        .filter(client=client)
        .select_related("appointment__location", "signed_by__user")
        .prefetch_related("entries")
        .order_by("-appointment__start")
    )


# --- lots ----------------------------------------------------------------------------------------


def lots(
    clinic: Clinic,
    *,
    location: Location | None = None,
    kind: str = "",
    include_used_up: bool = True,
) -> QuerySet[Lot]:
    qs = Lot.objects.for_clinic(clinic).select_related("location")
    if location is not None:
        qs = qs.filter(location=location)
    if kind:
        qs = qs.filter(kind=kind)
    if not include_used_up:
        qs = qs.filter(quantity_used__lt=F("quantity_received"))
    return qs.order_by("location__name", "kind", "expiry", "product_name", "lot_number")


def usable_lots(clinic: Clinic, location: Location, kind: str, *, now: datetime) -> QuerySet[Lot]:
    """Lots charting may use at ``now``: at the location, not recalled, not expired (local
    date), with stock left; soonest expiry first (use the oldest stock first)."""
    today = now.astimezone(ZoneInfo(location.timezone)).date()
    return (
        lots(clinic, location=location, kind=kind, include_used_up=False)
        .filter(recalled_at__isnull=True, expiry__gte=today)
        .order_by("expiry", "product_name", "lot_number")
    )


@dataclass(frozen=True)
class TraceRow:
    """One treatment with a lot: who, when, where, which area, and the chart it is in."""

    client: Client
    appointment: Appointment
    chart: Chart
    entry: ChartEntry
    used_as: str  # "cartridge" or "product"


def recall_trace(clinic: Clinic, lot: Lot) -> list[TraceRow]:
    """Every chart entry that used the lot (as cartridge or product), by treatment time."""
    entries = (
        ChartEntry.objects.for_clinic(clinic)
        .filter(Q(cartridge_lot=lot) | Q(product_lot=lot))
        .select_related(
            "chart__client", "chart__appointment__location", "chart__appointment__practitioner__user"
        )
        .order_by("chart__appointment__start", "chart_id", "position")
    )
    return [
        TraceRow(
            client=e.chart.client,
            appointment=e.chart.appointment,
            chart=e.chart,
            entry=e,
            used_as=LotKind.CARTRIDGE if e.cartridge_lot_id == lot.pk else LotKind.PRODUCT,
        )
        for e in entries
    ]


# --- photos --------------------------------------------------------------------------------------


def photo_for_read(ctx: AccessContext, pk: int) -> TreatmentPhoto:
    """A photo of the context's clinic (404 otherwise); the read is logged."""
    photo = get_object_or_404(TreatmentPhoto.objects.for_clinic(ctx.clinic).select_related("client"), pk=pk)
    record_access(ctx, client=photo.client, action="view-treatment-photo")
    return photo


def photos_of_appointment(clinic: Clinic, appointment: Appointment) -> QuerySet[TreatmentPhoto]:
    return (
        TreatmentPhoto.objects.for_clinic(clinic)
        .filter(appointment=appointment)
        .order_by("area", "view", "-phase", "taken_at")  # before, then after
    )


def photos_of_client(clinic: Clinic, client: Client) -> QuerySet[TreatmentPhoto]:
    return (
        TreatmentPhoto.objects.for_clinic(clinic)
        .filter(client=client)
        .select_related("appointment__location")
        .order_by("-appointment__start", "area", "view", "phase", "taken_at")
    )


def sessions_with_photos(clinic: Clinic, client: Client) -> list[Appointment]:
    """The client's appointments that have photos, oldest first (the comparison's choices)."""
    ids = TreatmentPhoto.objects.for_clinic(clinic).filter(client=client).values("appointment_id")
    return list(
        Appointment.objects.for_clinic(clinic).filter(pk__in=ids).select_related("location").order_by("start")
    )


@dataclass(frozen=True)
class PhotoPair:
    """Two sessions' photos of one area and view, to compare side by side."""

    area: str
    view: str
    first: TreatmentPhoto | None
    second: TreatmentPhoto | None


def _pick(
    clinic: Clinic, client: Client, appointment_id: int, area: str, view: str, phases: Sequence[str]
) -> TreatmentPhoto | None:
    qs = TreatmentPhoto.objects.for_clinic(clinic).filter(
        client=client, appointment_id=appointment_id, area=area, view=view
    )
    for phase in phases:
        photo = qs.filter(phase=phase).order_by("-taken_at", "-pk").first()
        if photo is not None:
            return photo
    return None


def photo_pair(
    clinic: Clinic, client: Client, *, first_appointment: int, second_appointment: int, area: str, view: str
) -> PhotoPair:
    """The latest photo of ``area``/``view`` in each session: the first session's *before*
    photo (else its after), the second's *after* (else its before) — progress across the course."""
    return PhotoPair(
        area=area,
        view=view,
        first=_pick(clinic, client, first_appointment, area, view, (PhotoPhase.BEFORE, PhotoPhase.AFTER)),
        second=_pick(clinic, client, second_appointment, area, view, (PhotoPhase.AFTER, PhotoPhase.BEFORE)),
    )
