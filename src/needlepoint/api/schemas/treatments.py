"""Treatment day: numbing, cartridge/product lots, charts (per-area entries, signing, addenda), photos."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import Field

from .common import Day, Id, Instant, Line, Name, Text


class NumbingIn(Schema):
    areas: list[Text] = Field(min_length=1, max_length=30, description="Protocol area codes numbed.")
    applied_at: Instant | None = Field(None, description="Default: now.")
    amount_g: Decimal | None = Field(None, ge=0, le=Decimal("999.9"), max_digits=4, decimal_places=1)
    agent: Text = Field("", max_length=60, description="Protocol agent code; default: the plan's.")
    notes: Text = Field("", max_length=300)


class NumbingRemoveIn(Schema):
    at: Instant | None = Field(None, description="When the cream was wiped off; default: now.")


class NumbingOut(Schema):
    id: int
    appointment_id: int
    applied_at: datetime
    agent: str
    agent_name: str
    concentration: str
    areas: list[str]
    surface_cm2: int
    amount_g: Decimal
    onset_minutes: int
    effect_min_minutes: int
    effect_max_minutes: int
    max_area_cm2: int
    max_grams: Decimal
    removed_at: datetime | None
    notes: str


LotKindName = Literal["cartridge", "product"]


class LotIn(Schema):
    location_id: Id
    kind: LotKindName
    product_name: Name = Field(min_length=1, max_length=120)
    lot_number: Line = Field(min_length=1, max_length=60)
    expiry: Day
    quantity: int = Field(ge=1, le=100_000)
    notes: Text = Field("", max_length=300)


class LotOut(Schema):
    id: int
    location_id: int
    kind: str
    product_name: str
    lot_number: str
    expiry: date
    quantity_received: int
    quantity_used: int
    recalled_at: datetime | None
    recall_reason: str


class RecallIn(Schema):
    reason: Text = Field(min_length=1, max_length=2000)


class TraceOut(Schema):
    client_id: int
    appointment_id: int
    chart_id: int
    area: str
    used_as: str
    start: datetime


class RecallOut(Schema):
    lot: LotOut
    treated: list[TraceOut] = Field(description="Every treatment that used the lot.")


class ChartEntryIn(Schema):
    area: Text = Field(max_length=60)
    device_id: Id
    cartridge_lot_id: Id
    passes: int = Field(ge=1, le=20)
    endpoint: Text = Field(max_length=30, description="Clinical end point code, e.g. uniform_erythema.")
    pain_score: int = Field(ge=0, le=10)
    depth_mm: Decimal | None = Field(
        None, ge=0, le=Decimal("9.99"), max_digits=3, decimal_places=2, description="Default: recommended."
    )
    override_reason: Text = Field("", max_length=2000)
    product_lot_id: Id | None = None
    reactions: list[Text] = Field(default_factory=list, max_length=20)
    reaction_notes: Text = Field("", max_length=2000)
    indication: Text = Field("", max_length=60, description="Only for an appointment without a plan.")


class ChartEntryOut(Schema):
    id: int
    area: str
    area_name: str
    indication: str
    device_id: int
    cartridge_lot_id: int
    product_lot_id: int | None
    depth_mm: Decimal
    recommended_mm: Decimal
    planned_mm: Decimal | None
    cap_mm: Decimal
    override_reason: str
    passes: int
    endpoint: str
    pain_score: int
    reactions: list[str]
    reaction_notes: str


class AddendumIn(Schema):
    text: Text = Field(min_length=1, max_length=5000)
    entry_id: Id | None = None


class AddendumOut(Schema):
    id: int
    entry_id: int | None
    text: str
    author_id: int
    created_at: datetime


class SignIn(Schema):
    """No fields: the signature is the signing member's own name (an owner signing another
    practitioner's chart is recorded as signing for them), never a typed name."""


class ChartOut(Schema):
    id: int
    appointment_id: int
    client_id: int
    plan_id: int | None
    protocol_id: str
    protocol_version: str
    signed_at: datetime | None
    signed_by_id: int | None
    signature_name: str
    entries: list[ChartEntryOut]
    addenda: list[AddendumOut]


class PhotoOut(Schema):
    id: int
    client_id: int
    appointment_id: int
    area: str
    view: str
    phase: str
    width: int
    height: int
    taken_at: datetime


class NumbingClockOut(Schema):
    state: Literal["none", "numbing", "ready", "ending", "beyond", "expired"]
    now: datetime
    timezone: str
    numbing_id: int | None
    ready_at: datetime | None
    effective_until: datetime | None
    effective_until_latest: datetime | None
    minutes_to_ready: int
    minutes_left: int
    warnings: list[str]
