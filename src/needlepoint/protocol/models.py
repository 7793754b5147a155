"""Input and output models of the protocol engine (pydantic, JSON-serialisable).

Inputs are checked for shape here; whether an area, indication, condition… exists is checked
against the loaded protocol by the planner (a clinic's protocol may add vocabulary).
Depths are ``Decimal`` with two decimal places (``DecimalField(max_digits=3, decimal_places=2)``)
and serialise to JSON numbers.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .units import JsonDecimal, Mm

ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- inputs --------------------------------------------------------------------------------


class DeviceKind(StrEnum):
    PEN = "pen"
    ROLLER = "roller"


class ScarType(StrEnum):
    ICEPICK = "icepick"
    BOXCAR = "boxcar"
    ROLLING = "rolling"


class Device(_Model):
    """Needling device: a pen (adjustable up to ``max_depth_mm``) or a roller (fixed length)."""

    kind: DeviceKind
    #: Pen: deepest setting. Roller: its fixed needle length.
    max_depth_mm: Mm = Field(gt=0, le=5)
    name: str | None = None


def _code_or_mapping(value: Any) -> Any:
    return {"code": value} if isinstance(value, str) else value


class AreaState(_Model):
    """Current state of the skin in an area, e.g. ``inflamed`` or ``sunburn`` since a date."""

    code: str = Field(min_length=1)
    #: Onset (sunburn) or last date (radiotherapy); DEFER periods run from it.
    since: date | None = None
    note: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _coerce(cls, v: Any) -> Any:
        return _code_or_mapping(v)


class Medication(_Model):
    """A medication: current when ``stopped_on`` is empty or in the future."""

    code: str = Field(min_length=1)
    stopped_on: date | None = None
    name: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _coerce(cls, v: Any) -> Any:
        return _code_or_mapping(v)


class ClientProfile(_Model):
    """What the engine needs to know about the client."""

    client_id: str | None = None
    date_of_birth: date | None = None
    #: Fitzpatrick skin phototype 1–6 (roman numerals accepted).
    fitzpatrick: int = Field(ge=1, le=6)
    #: Medical history codes (see ``protocol.yaml`` ``conditions``).
    conditions: list[str] = Field(default_factory=list)
    medications: list[Medication] = Field(default_factory=list)
    #: Current skin state per area code; a region (face/body/scalp) or ``all`` covers every
    #: area in it.
    skin_state: dict[str, list[AreaState]] = Field(default_factory=dict)

    @field_validator("fitzpatrick", mode="before")
    @classmethod
    def _roman(cls, v: Any) -> Any:
        if isinstance(v, str) and v.strip().upper() in ROMAN:
            return ROMAN[v.strip().upper()]
        return v


class AreaRequest(_Model):
    """One area to treat, for one indication."""

    area: str = Field(min_length=1)
    indication: str = Field(min_length=1)
    #: Goodman–Baron qualitative global acne scar grade (1 macular … 4 severe).
    goodman_baron_grade: int | None = Field(default=None, ge=1, le=4)
    scar_types: list[ScarType] = Field(default_factory=list)
    #: Measured treated surface; the area's typical surface when absent.
    surface_cm2: int | None = Field(default=None, gt=0, le=20000)
    #: Practitioner's depth; outside the recommendation it needs ``override_reason``.
    override_mm: Mm | None = None
    override_reason: str | None = None


class PriorSession(_Model):
    date: date
    areas: list[str] = Field(min_length=1)


class TreatmentRequest(_Model):
    """The treatment goal: areas and indications, device, start date and history."""

    areas: list[AreaRequest] = Field(min_length=1)
    device: Device
    #: First day the course may start (today when absent).
    start_date: date | None = None
    prior_sessions: list[PriorSession] = Field(default_factory=list)
    numbing: bool = True
    #: Topical anaesthetic code; the protocol's default (5 % lidocaine) when absent.
    numbing_agent: str | None = None
    goal: str | None = None


class PlanInput(TreatmentRequest):
    """One document with everything ``needlepoint plan`` needs (the CLI's profile file)."""

    client: ClientProfile
    #: Aware datetime, or naive with ``timezone``.
    appointment_start: datetime | None = None
    timezone: str | None = None
    #: Planning date (defaults to today in ``timezone``).
    today: date | None = None

    def profile(self) -> ClientProfile:
        return self.client

    def request(self) -> TreatmentRequest:
        return TreatmentRequest.model_validate(
            self.model_dump(include=set(TreatmentRequest.model_fields))
        )


# --- outputs -------------------------------------------------------------------------------


class Severity(StrEnum):
    BLOCK = "BLOCK"
    DEFER = "DEFER"
    REQUIRE = "REQUIRE"
    WARN = "WARN"


class Finding(_Model):
    """One screening result. BLOCK never treats; DEFER until a date; REQUIRE an action; WARN."""

    code: str
    severity: Severity
    #: What it restricts: the treatment of the area(s) or the topical anaesthetic.
    applies_to: Literal["treatment", "numbing"] = "treatment"
    #: Area code, or None for the whole plan.
    area: str | None = None
    reason: str
    citations: list[str] = Field(min_length=1)
    until: date | None = None
    action: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _shape(self) -> Finding:
        if self.severity is Severity.DEFER and self.until is None:
            raise ValueError("a DEFER finding needs an until date")
        if self.severity is Severity.REQUIRE and not self.action:
            raise ValueError("a REQUIRE finding needs an action")
        return self


class RemovedArea(_Model):
    """An area taken out of the plan, and why (never silently)."""

    #: The area's code, with its side for one side of a paired area (``cheeks.left``).
    area: str
    area_name: str
    side: Literal["left", "right"] | None = None
    indication: str
    reason: str
    finding_codes: list[str] = Field(min_length=1)


class DepthDecision(_Model):
    area: str
    indication: str
    depth_group: str
    #: Recommended range after the caps.
    range_min_mm: Mm
    range_max_mm: Mm
    recommended_mm: Mm
    #: The depth to use: the recommendation or an accepted override.
    chosen_mm: Mm
    source: DepthSource
    override_above_mm: Mm
    area_hard_max_mm: Mm
    device_max_mm: Mm
    #: min(area hard max, device max, 2.5): never exceeded.
    cap_mm: Mm
    override_reason: str | None = None
    explanation: str
    citations: list[str] = Field(min_length=1)


class AreaPlan(_Model):
    #: The area's code, with its side for one side of a paired area (``cheeks.left``).
    area: str
    area_name: str
    side: Literal["left", "right"] | None = None
    region: str
    indication: str
    indication_name: str
    goodman_baron_grade: int | None = None
    depth: DepthDecision
    surface_cm2: int
    treatment_minutes: int
    #: Earliest date this area may be treated (after DEFER findings and prior sessions).
    earliest_start: date
    series_id: str


class SessionArea(_Model):
    area: str
    #: Session number in this area's course, counting prior sessions.
    course_session: int
    kind: Literal["course", "maintenance"]
    #: Beyond the course minimum: done if the client wants more change.
    optional: bool


class SessionWindow(_Model):
    number: int
    earliest: date
    latest: date
    areas: list[SessionArea]


class TouchUp(_Model):
    areas: list[str]
    kind: Literal["recall", "on_request"]
    earliest: date
    latest: date | None
    label: str
    citations: list[str] = Field(min_length=1)


class SeriesPlan(_Model):
    id: str
    areas: list[str]
    interval_min_days: int
    interval_max_days: int
    interval_label: str
    sessions_min: int
    sessions_max: int
    sessions: list[SessionWindow]
    touch_ups: list[TouchUp]
    explanation: str
    citations: list[str] = Field(min_length=1)


class NumbingGroup(_Model):
    """Areas numbed together at one appointment."""

    areas: list[str]
    surface_cm2: int
    grams: JsonDecimal
    within_limit: bool


NumbingStatus = Literal["ok", "near_limit", "split", "blocked", "declined"]
DepthSource = Literal["recommended", "override", "device_capped", "roller"]


class NumbingPlan(_Model):
    status: NumbingStatus
    agent: str | None
    agent_name: str | None
    #: Areas numbed at this appointment (the first group when split).
    areas: list[str]
    groups: list[NumbingGroup]
    surface_cm2: int
    grams: JsonDecimal
    max_area_cm2: int | None
    max_grams: JsonDecimal | None
    application_minutes: int | None
    effect_hours_min: JsonDecimal | None
    effect_hours_max: JsonDecimal | None
    #: Needling time of this appointment's areas plus set-up.
    session_minutes: int
    apply_at: datetime | None = None
    ready_at: datetime | None = None
    #: Conservative end (start + the agent's minimum duration).
    effective_until: datetime | None = None
    effective_until_latest: datetime | None = None
    session_end: datetime | None = None
    covers_session: bool
    occlusion_allowed: bool
    heat_allowed: bool = False
    conditions: list[str]
    explanation: str
    citations: list[str] = Field(min_length=1)


class AftercareEvent(_Model):
    code: str
    title: str
    text: str
    category: Literal["expect", "avoid", "do", "call"]
    #: Hours after the end of the session.
    starts_after_hours: int
    ends_after_hours: int | None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    citations: list[str] = Field(min_length=1)


class Risk(_Model):
    code: str
    name: str
    description: str
    frequency: str | None
    source_kind: Literal["seed", "literature"]
    #: Particularly relevant to this client, and why.
    highlighted: bool
    highlight_reason: str | None
    citations: list[str] = Field(min_length=1)


class Explanation(_Model):
    topic: Literal["screening", "depth", "series", "numbing", "aftercare", "risks", "protocol"]
    area: str | None = None
    text: str
    citations: list[str] = Field(default_factory=list)


PlanStatus = Literal["ready", "action_required", "deferred", "blocked"]


class Plan(_Model):
    protocol_id: str
    protocol_version: str
    client_id: str | None
    planned_on: date
    status: PlanStatus
    findings: list[Finding]
    removed_areas: list[RemovedArea]
    areas: list[AreaPlan]
    series: list[SeriesPlan]
    numbing: NumbingPlan | None
    aftercare: list[AftercareEvent]
    risks: list[Risk]
    explanations: list[Explanation]
    #: First date any planned area may be treated (None when nothing can be).
    earliest_start: date | None
    appointment_start: datetime | None = None

    def depth_for(self, area: str) -> Decimal | None:
        for a in self.areas:
            if a.area == area:
                return a.depth.chosen_mm
        return None

    def findings_for(self, area: str | None) -> list[Finding]:
        return [f for f in self.findings if f.area == area]
