"""Treatment-day writes: check-in and numbing, lots (receive, use, recall), charts (entries,
signing, addenda) and photos.

Every function takes the clinic, the actor (see :mod:`needlepoint.clinic.permissions`, which
decides who may) and plain values, returns model instances, and raises a :mod:`.errors`
exception (or the permissions' ``NotAllowed``/``NotFound``) with a human message when it refuses. No
request objects: the web views and the API call the same functions. ``now`` defaults to
``clock.now()`` so tests can move time. Local dates (lot expiry, "today") are the
appointment's or lot's location's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q

from needlepoint import clock
from needlepoint.clinic import events
from needlepoint.clinic.accounts.models import Membership, Role
from needlepoint.clinic.booking.models import Appointment, AppointmentStatus
from needlepoint.clinic.clinics.models import Clinic, Device, Location
from needlepoint.clinic.errors import NotAllowed
from needlepoint.clinic.permissions import Action, Actor, require, require_staff
from needlepoint.clinic.plans.models import PlanArea, TreatmentPlan

from . import photo_files
from . import protocol_rules as rules
from .errors import (
    ChartLocked,
    DepthRefused,
    LotRefused,
    NumbingRefused,
    TreatmentError,
    WrongState,
)
from .models import Chart, ChartAddendum, ChartEntry, Lot, NumbingApplication, TreatmentPhoto
from .vocab import REACTION_BY_CODE, Endpoint, LotKind, PhotoPhase, PhotoView

#: A numbing record this long before the treatment start is surely for another day.
NUMBING_EARLIEST_BEFORE_START = timedelta(hours=6)
#: Clock skew tolerated between a device and the server for "applied at".
FUTURE_TOLERANCE = timedelta(minutes=2)
MAX_PASSES = 20

__all__ = [
    "ChartEntryInput",
    "RecallResult",
    "add_addendum",
    "add_chart_entry",
    "add_photo",
    "check_in",
    "local_today",
    "plan_of",
    "recall_lot",
    "receive_lot",
    "record_numbing",
    "remove_chart_entry",
    "remove_numbing",
    "sign_chart",
    "start_chart",
    "use_lot",
]


# --- guards ----------------------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    return now if now is not None else clock.now()


def local_today(location: Location, now: datetime) -> date:
    """The location's calendar date at ``now``."""
    return clock.local_date(now, location.timezone)


def plan_of(appointment: Appointment) -> TreatmentPlan | None:
    """The plan the appointment carries out: its series' plan, else the client's current one."""
    from needlepoint.clinic.plans.selectors import current_plan

    series = appointment.series if appointment.series_id else None
    if series is not None and series.plan_id:
        return series.plan
    return current_plan(appointment.client)


def _treatable(appointment: Appointment) -> None:
    if appointment.status in (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW):
        raise WrongState(f"The appointment is {appointment.get_status_display().lower()}.")


def _checked_in(appointment: Appointment) -> None:
    _treatable(appointment)
    if appointment.status == AppointmentStatus.BOOKED:
        raise WrongState("Check the client in first (check-in confirms the signed consent).")


def _numbing_open(appointment: Appointment) -> None:
    """The numbing record is part of the visit's treatment record: signing the chart locks it
    like the chart's entries (issue 21 found it still editable)."""
    if Chart.objects.filter(appointment_id=appointment.pk, signed_at__isnull=False).exists():
        raise ChartLocked(
            "The visit's chart is signed, so its numbing record is locked: "
            "add an addendum to the chart instead."
        )


# --- check-in and numbing ----------------------------------------------------------------------


def check_in(
    clinic: Clinic, actor: Actor, appointment: Appointment, *, now: datetime | None = None
) -> Appointment:
    """Booked → checked in. Refused without a valid signed consent (the booking rule)."""
    from needlepoint.clinic.booking.services import BookingError, set_status

    require(actor, Action.CHECK_IN, clinic, objs=(appointment,))
    try:
        return set_status(appointment, AppointmentStatus.CHECKED_IN, actor=actor, now=_now(now))
    except BookingError as exc:
        raise WrongState(str(exc)) from exc


def record_numbing(
    clinic: Clinic,
    actor: Actor,
    appointment: Appointment,
    *,
    areas: Sequence[str],
    applied_at: datetime | None = None,
    amount_g: Decimal | None = None,
    agent: str = "",
    notes: str = "",
    now: datetime | None = None,
) -> NumbingApplication:
    """Record that the anaesthetic went on. The agent defaults to the plan's (else the
    protocol's default); its onset, effect window and large-area limit are copied in. A
    surface or amount above the limit is recorded (it happened) and the clock warns."""
    who = require_staff(actor, Action.RECORD_NUMBING, clinic, objs=(appointment,))
    _checked_in(appointment)
    _numbing_open(appointment)
    now = _now(now)
    applied_at = applied_at or now
    if applied_at.tzinfo is None:
        raise NumbingRefused("The time needs a zone.", field="applied_at")
    applied_at = applied_at.astimezone(UTC)
    if applied_at > now + FUTURE_TOLERANCE:
        raise NumbingRefused("The application time is in the future.", field="applied_at")
    if applied_at < appointment.start - NUMBING_EARLIEST_BEFORE_START:
        raise NumbingRefused("That is long before this appointment: check the time.", field="applied_at")
    codes = list(dict.fromkeys(a for a in areas if a))
    if not codes:
        raise NumbingRefused("Choose the numbed areas.", field="areas")
    plan = plan_of(appointment)
    if plan is not None:
        if not plan.numbing:
            raise NumbingRefused(
                "The plan has no topical anaesthetic (declined or blocked at screening).", field="agent"
            )
        planned = set(plan.areas.values_list("area", flat=True))
        outside = [c for c in codes if c not in planned]
        if outside:
            raise NumbingRefused(f"{rules.area_name(outside[0])} is not in the client's plan.", field="areas")
    agent_rules = rules.agent_rules(agent or (plan.numbing_agent if plan else "") or None)
    surface = rules.surface_cm2(codes)
    if amount_g is None:
        amount_g = (Decimal(surface) / 10 * agent_rules.grams_per_10cm2).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )
    if not amount_g.is_finite() or amount_g < 0 or amount_g > Decimal("999.9"):
        raise NumbingRefused("Give the amount in grams (0–999.9).", field="amount_g")
    amount_g = amount_g.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return NumbingApplication.objects.create(
        clinic=clinic,
        appointment=appointment,
        applied_at=applied_at,
        agent=agent_rules.code,
        agent_name=agent_rules.name,
        concentration=agent_rules.concentration,
        areas=codes,
        surface_cm2=surface,
        amount_g=amount_g,
        onset_minutes=agent_rules.onset_minutes,
        effect_min_minutes=agent_rules.effect_min_minutes,
        effect_max_minutes=agent_rules.effect_max_minutes,
        max_area_cm2=agent_rules.max_area_cm2,
        max_grams=agent_rules.max_grams,
        notes=notes[:300],
        recorded_by=who,
    )


def remove_numbing(
    clinic: Clinic,
    actor: Actor,
    application: NumbingApplication,
    *,
    at: datetime | None = None,
    now: datetime | None = None,
) -> NumbingApplication:
    """Record when the cream was wiped off (before needling)."""
    require(actor, Action.RECORD_NUMBING, clinic, objs=(application,))
    _numbing_open(application.appointment)
    at = at or _now(now)
    if application.removed_at is not None:
        raise WrongState("Already recorded as removed.")
    if at < application.applied_at:
        raise NumbingRefused("Removed before it was applied?", field="removed_at")
    application.removed_at = at
    application.save(update_fields=["removed_at"])
    return application


# --- lots ----------------------------------------------------------------------------------------


def receive_lot(
    clinic: Clinic,
    actor: Actor,
    *,
    location: Location,
    kind: str,
    product_name: str,
    lot_number: str,
    expiry: date,
    quantity: int,
    notes: str = "",
    now: datetime | None = None,
) -> Lot:
    """Stock in a delivery. The same lot received again adds to it (same expiry only)."""
    who = require_staff(actor, Action.MANAGE_LOTS, clinic, objs=(location,))
    now = _now(now)
    if kind not in LotKind.values:
        raise LotRefused("Choose a cartridge or a product.", field="kind")
    product_name, lot_number = product_name.strip(), lot_number.strip()
    if not product_name:
        raise LotRefused("Give the product name.", field="product_name")
    if not lot_number:
        raise LotRefused("Give the lot number printed on the pack.", field="lot_number")
    if quantity < 1 or quantity > 100_000:
        raise LotRefused("Give the number of units received (at least 1).", field="quantity")
    if expiry < local_today(location, now):
        raise LotRefused(f"Lot {lot_number} expired on {expiry:%d %b %Y}: do not stock it.", field="expiry")
    with transaction.atomic():
        existing = (
            Lot.objects.for_clinic(clinic)
            .select_for_update()
            .filter(location=location, kind=kind, product_name=product_name, lot_number=lot_number)
            .first()
        )
        if existing is not None:
            if existing.is_recalled:
                raise LotRefused(f"Lot {lot_number} is recalled: do not stock it.", field="lot_number")
            if existing.expiry != expiry:
                raise LotRefused(
                    f"Lot {lot_number} is already in stock with expiry {existing.expiry:%d %b %Y}; "
                    "check the pack.",
                    field="expiry",
                )
            existing.quantity_received += quantity
            existing.save(update_fields=["quantity_received"])
            return existing
        return Lot.objects.create(
            clinic=clinic,
            location=location,
            kind=kind,
            product_name=product_name,
            lot_number=lot_number,
            expiry=expiry,
            quantity_received=quantity,
            received_at=now,
            received_by=who,
            notes=notes[:300],
        )


def _refuse_unusable(lot: Lot, *, kind: str, location_id: int | None, today: date, units: int = 1) -> None:
    what = LotKind(kind).label.lower()
    if lot.kind != kind:
        raise LotRefused(f"{lot} is not a {what}.")
    if location_id is not None and lot.location_id != location_id:
        raise LotRefused(f"{lot} is stocked at another location.")
    if lot.is_recalled:
        raise LotRefused(f"{lot} is RECALLED ({lot.recall_reason}): do not use it.")
    if lot.is_expired(today):
        raise LotRefused(f"{lot} expired on {lot.expiry:%d %b %Y}: do not use it.")
    if lot.remaining < units:
        raise LotRefused(f"{lot} has {lot.remaining} left.")


def _consume(lot_id: int, *, kind: str, location_id: int | None, today: date, units: int = 1) -> Lot:
    lot: Lot = Lot.objects.select_for_update().get(pk=lot_id)
    _refuse_unusable(lot, kind=kind, location_id=location_id, today=today, units=units)
    lot.quantity_used += units
    lot.save(update_fields=["quantity_used"])
    return lot


def use_lot(
    clinic: Clinic, actor: Actor, lot: Lot, *, quantity: int = 1, now: datetime | None = None
) -> Lot:
    """Take units out of stock outside a chart (opened and discarded, damaged pack…).
    Charting consumes its own cartridges and products."""
    require(actor, Action.MANAGE_LOTS, clinic, objs=(lot,))
    if quantity < 1:
        raise LotRefused("Give the number of units used (at least 1).", field="quantity")
    with transaction.atomic():
        # Expired or recalled stock is written off the same way, so only the count is checked.
        locked: Lot = Lot.objects.select_for_update().get(pk=lot.pk)
        if locked.remaining < quantity:
            raise LotRefused(f"{locked} has {locked.remaining} left.", field="quantity")
        locked.quantity_used += quantity
        locked.save(update_fields=["quantity_used"])
    return locked


@dataclass(frozen=True)
class RecallResult:
    lot: Lot
    #: Every client treated with the lot (see selectors.recall_trace).
    trace: list[Any] = field(default_factory=list)


def recall_lot(
    clinic: Clinic, actor: Actor, lot: Lot, *, reason: str, now: datetime | None = None
) -> RecallResult:
    """Mark the lot recalled (owner only): charting refuses it from now on, and the result lists
    every client treated with it for the investigation."""
    from .selectors import recall_trace

    who = require_staff(actor, Action.RECALL_LOT, clinic, objs=(lot,))
    reason = reason.strip()
    if not reason:
        raise LotRefused("Give the recall reason (e.g. the supplier's notice).", field="reason")
    with transaction.atomic():
        locked: Lot = Lot.objects.select_for_update().get(pk=lot.pk)
        if locked.is_recalled:
            raise WrongState(f"{locked} was already recalled on {locked.recalled_at:%d %b %Y}.")
        locked.recalled_at = _now(now)
        locked.recall_reason = reason[:2000]
        locked.recalled_by = who
        locked.save(update_fields=["recalled_at", "recall_reason", "recalled_by"])
    return RecallResult(locked, recall_trace(clinic, locked))


# --- charts --------------------------------------------------------------------------------------


def start_chart(
    clinic: Clinic, actor: Actor, appointment: Appointment, *, now: datetime | None = None
) -> Chart:
    """The appointment's chart, created on first use (the client must be checked in)."""
    who = require_staff(actor, Action.CHART, clinic, objs=(appointment,))
    existing = Chart.objects.filter(appointment=appointment).first()
    if existing is not None:
        return existing
    _checked_in(appointment)
    plan = plan_of(appointment)
    p = rules.protocol()
    with transaction.atomic():
        chart, _ = Chart.objects.get_or_create(
            appointment=appointment,
            defaults={
                "clinic": clinic,
                "client": appointment.client,
                "plan": plan,
                "protocol_id": p.id,
                "protocol_version": p.version,
                "created_by": who,
            },
        )
    return chart


@dataclass(frozen=True)
class ChartEntryInput:
    """One area as treated. ``depth_mm`` None means "as recommended"; ``indication`` is only
    needed for an area outside the plan when the appointment has no plan."""

    area: str
    device: Device
    cartridge_lot: Lot
    passes: int
    endpoint: str
    pain_score: int
    depth_mm: Decimal | None = None
    override_reason: str = ""
    product_lot: Lot | None = None
    reactions: Sequence[str] = ()
    reaction_notes: str = ""
    indication: str = ""


def _locked_chart(chart: Chart) -> Chart:
    fresh: Chart = Chart.objects.select_for_update().get(pk=chart.pk)
    if fresh.is_signed:
        raise ChartLocked("The chart is signed and locked: add an addendum instead.")
    return fresh


def _plan_area(chart: Chart, area: str) -> PlanArea | None:
    if chart.plan_id is None:
        return None
    return PlanArea.objects.filter(plan_id=chart.plan_id, area=area).first()


def add_chart_entry(
    clinic: Clinic, actor: Actor, chart: Chart, data: ChartEntryInput, *, now: datetime | None = None
) -> ChartEntry:
    """Chart one area. The protocol engine decides the recommended depth and the hard cap for
    this device; a depth other than the recommendation needs a reason; an expired, recalled,
    out-of-stock or other location's lot is refused. Each lot is consumed once per chart (the
    cartridge is single-use: one per client per session)."""
    who = require_staff(
        actor, Action.CHART, clinic, objs=(chart, data.device, data.cartridge_lot, data.product_lot)
    )
    now = _now(now)
    appointment = Appointment.objects.select_related("location").get(pk=chart.appointment_id)
    _treatable(appointment)
    today = local_today(appointment.location, now)
    if data.area not in dict(rules.area_choices()):
        raise TreatmentError(f"Unknown area {data.area!r}.", field="area")
    if data.endpoint not in Endpoint.values:
        raise TreatmentError("Choose the clinical end point.", field="endpoint")
    if not 0 <= data.pain_score <= 10:
        raise TreatmentError("Pain is scored 0–10.", field="pain_score")
    if not 1 <= data.passes <= MAX_PASSES:
        raise TreatmentError(f"Passes: 1–{MAX_PASSES}.", field="passes")
    unknown = [r for r in data.reactions if r not in REACTION_BY_CODE]
    if unknown:
        raise TreatmentError(f"Unknown reaction {unknown[0]!r}.", field="reactions")
    if data.device.location_id != appointment.location_id or not data.device.is_active:
        raise TreatmentError(f"{data.device.name} is not an active device at this location.", field="device")
    planned = _plan_area(chart, data.area)
    if chart.plan_id is not None and planned is None:
        raise TreatmentError(f"{rules.area_name(data.area)} is not in the client's plan.", field="area")
    indication = planned.indication if planned else data.indication
    if not indication:
        raise TreatmentError(
            "Give the indication (there is no plan for this appointment).", field="indication"
        )
    decision = rules.depth_decision(
        area=data.area,
        indication=indication,
        grade=planned.goodman_baron_grade if planned else None,
        device=data.device,
        depth_mm=data.depth_mm,
        reason=data.override_reason,
        today=today,
    )
    reason = data.override_reason.strip()
    if decision.chosen_mm != decision.recommended_mm and not reason:
        raise DepthRefused(
            f"Give a reason: {decision.chosen_mm} mm differs from the recommended "
            f"{decision.recommended_mm} mm.",
            field="override_reason",
        )
    with transaction.atomic():
        chart = _locked_chart(chart)
        if chart.entries.filter(area=data.area).exists():
            raise TreatmentError(
                f"{rules.area_name(data.area)} is already charted; remove that entry to redo it.",
                field="area",
            )
        for lot, kind, fld in (
            (data.cartridge_lot, LotKind.CARTRIDGE, "cartridge_lot"),
            (data.product_lot, LotKind.PRODUCT, "product_lot"),
        ):
            if lot is None:
                continue
            already = chart.entries.filter(Q(cartridge_lot=lot) | Q(product_lot=lot)).exists()
            try:
                if already:  # same cartridge/product for another area of this session
                    fresh = Lot.objects.get(pk=lot.pk)
                    _refuse_unusable(
                        fresh, kind=kind, location_id=appointment.location_id, today=today, units=0
                    )
                else:
                    _consume(lot.pk, kind=kind, location_id=appointment.location_id, today=today)
            except LotRefused as exc:
                raise LotRefused(exc.message, field=fld) from exc
        return ChartEntry.objects.create(
            clinic=clinic,
            chart=chart,
            position=chart.entries.count(),
            area=data.area,
            area_name=rules.area_name(data.area),
            indication=indication,
            device=data.device,
            cartridge_lot=data.cartridge_lot,
            depth_mm=decision.chosen_mm,
            recommended_mm=decision.recommended_mm,
            planned_mm=planned.depth_mm if planned else None,
            cap_mm=decision.cap_mm,
            override_reason=reason if decision.chosen_mm != decision.recommended_mm else "",
            passes=data.passes,
            product_lot=data.product_lot,
            endpoint=data.endpoint,
            pain_score=data.pain_score,
            reactions=list(dict.fromkeys(data.reactions)),
            reaction_notes=data.reaction_notes[:2000],
            created_by=who,
        )


def remove_chart_entry(clinic: Clinic, actor: Actor, entry: ChartEntry) -> None:
    """Take back an entry of an unsigned chart; lots no other entry uses return to stock."""
    require(actor, Action.CHART, clinic, objs=(entry,))
    with transaction.atomic():
        chart = _locked_chart(entry.chart)
        lot_ids = {i for i in (entry.cartridge_lot_id, entry.product_lot_id) if i is not None}
        entry.delete()
        for lot_id in lot_ids:
            if not chart.entries.filter(Q(cartridge_lot_id=lot_id) | Q(product_lot_id=lot_id)).exists():
                lot = Lot.objects.select_for_update().get(pk=lot_id)
                lot.quantity_used = max(0, lot.quantity_used - 1)
                lot.save(update_fields=["quantity_used"])


def sign_chart(clinic: Clinic, actor: Actor, chart: Chart, *, now: datetime | None = None) -> Chart:
    """Sign and lock the chart as the signed-in member, and complete the session.

    The signature is the signer's own name, never typed: the session's practitioner signs as
    themselves; an owner may sign another practitioner's chart (one who has left, say), recorded
    as "<owner> (owner) for practitioner <name>"; any other practitioner is refused. ChartSigned
    is published (outcomes opens an adverse event per adverse reaction, in this transaction) and
    a checked-in appointment becomes completed through booking's ``set_status``, so its
    AppointmentStatusChanged (aftercare, webhooks) fires once, as from the appointment page."""
    from needlepoint.clinic.booking.services import BookingError, set_status

    who = require_staff(actor, Action.SIGN_CHART, clinic, objs=(chart,))
    now = _now(now)
    with transaction.atomic():
        chart = _locked_chart(chart)
        appointment = Appointment.objects.select_for_update().select_related("practitioner__user").get(
            pk=chart.appointment_id
        )
        name = _signature(who, appointment)
        if not chart.entries.exists():
            raise WrongState("Chart at least one area before signing.")
        chart.signed_by = who
        chart.signed_at = now
        chart.signature_name = name[:150]
        chart.save(update_fields=["signed_by", "signed_at", "signature_name", "updated_at"])
        events.publish(events.ChartSigned(clinic.pk, chart=chart, signed_by=who))
        if appointment.status == AppointmentStatus.CHECKED_IN:
            try:
                set_status(appointment, AppointmentStatus.COMPLETED, actor=actor, now=now)
            except BookingError as exc:
                raise WrongState(str(exc)) from exc
    return chart


def _signature(who: Membership, appointment: Appointment) -> str:
    """Who the signature says signed: the practitioner, or an owner on their behalf."""
    practitioner = appointment.practitioner
    if who.pk == practitioner.pk:
        return who.name
    if who.role == Role.OWNER:
        return f"{who.name} (owner) for practitioner {practitioner.name}"
    raise NotAllowed(
        f"Only the session's practitioner ({practitioner.name}) or an owner may sign this chart."
    )


def add_addendum(
    clinic: Clinic,
    actor: Actor,
    chart: Chart,
    *,
    text: str,
    entry: ChartEntry | None = None,
    now: datetime | None = None,
) -> ChartAddendum:
    """A later note or correction to a signed chart; the original stays untouched."""
    who = require_staff(actor, Action.CHART, clinic, objs=(chart, entry))
    text = text.strip()
    if not text:
        raise TreatmentError("Write the addendum.", field="text")
    if not Chart.objects.filter(pk=chart.pk, signed_at__isnull=False).exists():
        raise WrongState("The chart is not signed yet: change the entries themselves.")
    if entry is not None and entry.chart_id != chart.pk:
        raise TreatmentError("That entry belongs to another chart.", field="entry")
    return ChartAddendum.objects.create(
        clinic=clinic, chart=chart, entry=entry, text=text[:5000], author=who, created_at=_now(now)
    )


# --- photos --------------------------------------------------------------------------------------


def add_photo(
    clinic: Clinic,
    actor: Actor,
    appointment: Appointment,
    *,
    area: str,
    view: str,
    phase: str,
    upload: UploadedFile,
    now: datetime | None = None,
) -> TreatmentPhoto:
    """Store a before/after photo: checked (image, ≤ 8 MB, ≤ 40 MP, no decompression bomb),
    re-encoded without EXIF/GPS, turned upright, with a thumbnail."""
    who = require_staff(actor, Action.CHART, clinic, objs=(appointment,))
    _treatable(appointment)
    if area not in dict(rules.area_choices()):
        raise TreatmentError(f"Unknown area {area!r}.", field="area")
    if view not in PhotoView.values:
        raise TreatmentError("Choose a standard view.", field="view")
    if phase not in PhotoPhase.values:
        raise TreatmentError("Before or after?", field="phase")
    image, thumbnail = photo_files.prepare(upload)
    return TreatmentPhoto.objects.create(
        clinic=clinic,
        client=appointment.client,
        appointment=appointment,
        area=area,
        view=view,
        phase=phase,
        image=image,
        thumbnail=thumbnail,
        taken_at=_now(now),
        uploaded_by=who,
    )
