"""Schema of the protocol data files (``protocol.yaml``, ``bibliography.yaml``, ``scales.yaml``).

Pydantic checks structure and types here; ``loader`` adds the cross-references and the hard
limits, so every problem is reported with its file and key path.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .units import Mm

Region = Literal["face", "body", "scalp"]
Action = Literal["BLOCK", "DEFER", "REQUIRE", "WARN"]
Scope = Literal["area", "global"]
Target = Literal["treatment", "numbing"]
DeviceKindName = Literal["pen", "roller"]
SourceKind = Literal[
    "seed", "peer_reviewed", "consensus", "regulatory", "label", "manufacturer"
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Citations = list[str]


# --- bibliography ---------------------------------------------------------------------------


class SourceEntry(_Strict):
    citation: str = Field(min_length=1)
    kind: SourceKind
    #: Evidence tag from CLINICAL-EVIDENCE.md §0: SEED, R, P, M.
    evidence: Literal["SEED", "R", "P", "M"]
    note: str | None = None


class BibliographyFile(_Strict):
    version: str = Field(min_length=1)
    sources: dict[str, SourceEntry] = Field(min_length=1)


# --- protocol ------------------------------------------------------------------------------


class Text(_Strict):
    text: str = Field(min_length=1)
    citations: Citations = Field(min_length=1)


class Vocab(_Strict):
    name: str = Field(min_length=1)
    description: str | None = None


class RegionSpec(_Strict):
    name: str
    interval_floor_days: int


class DepthGroup(_Strict):
    name: str
    description: str | None = None


class DepthRange(_Strict):
    min_mm: Mm
    max_mm: Mm
    #: Recommended value; the range minimum when absent (the conservative end).
    default_mm: Mm | None = None
    #: Goodman–Baron grade → recommended value (e.g. cheeks, grade 3–4 → 1.5 mm).
    by_grade: dict[int, Mm] = Field(default_factory=dict)


class AreaSpec(_Strict):
    name: str = Field(min_length=1)
    region: Region
    description: str | None = None
    #: Typical treated patch (cm²) for anaesthetic dosing; a request may pass the measured size.
    surface_cm2: int = Field(gt=0)
    #: Needling time for this area, used for the session length and the numbing window.
    treatment_minutes: int = Field(gt=0, le=120)
    override_above_mm: Mm
    hard_max_mm: Mm
    depth: dict[str, DepthRange] = Field(min_length=1)
    citations: Citations = Field(min_length=1)
    note: str | None = None
    #: Has a left and a right side (``cheeks.left``): skin states, findings, depth and
    #: surfaces may then differ per side. A bare code still means both sides.
    paired: bool = False


class Course(_Strict):
    sessions_min: int = Field(ge=1, le=24)
    sessions_max: int = Field(ge=1, le=24)
    interval_min_days: int = Field(ge=1)
    interval_max_days: int = Field(ge=1)
    label: str | None = None
    citations: Citations = Field(default_factory=list)


class IndicationSpec(_Strict):
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    #: Depth-table columns to use, in order of preference.
    depth_groups: list[str] = Field(min_length=1)
    regions: list[Region] = Field(min_length=1)
    uses_grade: bool = False
    course: Course
    by_grade: dict[int, Course] = Field(default_factory=dict)
    touch_up: Literal["recall", "on_request"]
    citations: Citations = Field(min_length=1)


class RuleWhen(_Strict):
    """Trigger of a rule: every given criterion must match; list criteria match any element."""

    skin_states: list[str] = Field(default_factory=list)
    conditions: list[str] = Field(default_factory=list)
    medications: list[str] = Field(default_factory=list)
    medication_status: Literal["any", "current", "stopped"] = "any"
    #: Matches current use or use stopped at most this many days ago.
    stopped_within_days: int | None = Field(default=None, ge=0)
    fitzpatrick_min: int | None = Field(default=None, ge=1, le=6)
    fitzpatrick_max: int | None = Field(default=None, ge=1, le=6)
    age_below: int | None = Field(default=None, ge=1, le=120)
    indications: list[str] = Field(default_factory=list)
    areas: list[str] = Field(default_factory=list)
    regions: list[Region] = Field(default_factory=list)
    device_kinds: list[DeviceKindName] = Field(default_factory=list)
    agent_ingredients: list[str] = Field(default_factory=list)


class DeferPeriod(_Strict):
    days: int | None = Field(default=None, ge=1, le=3660)
    months: int | None = Field(default=None, ge=1, le=120)


class RuleSpec(_Strict):
    action: Action
    scope: Scope
    applies_to: Target = "treatment"
    when: RuleWhen
    reason: str = Field(min_length=1)
    require_action: str | None = None
    defer: DeferPeriod | None = None
    citations: Citations = Field(min_length=1)
    #: Practitioner-facing rationale, e.g. why the conservative reading was chosen.
    note: str | None = None


class BuiltInCheck(_Strict):
    """Wording and sources of a finding the engine raises itself (severity is fixed in code)."""

    reason: str = Field(min_length=1)
    action: str | None = None
    citations: Citations = Field(min_length=1)


class NumbingAgentSpec(_Strict):
    name: str = Field(min_length=1)
    #: Active ingredient → strength in percent.
    ingredients: dict[str, Decimal] = Field(min_length=1)
    application_minutes: int = Field(gt=0)
    max_application_minutes: int | None = Field(default=None, gt=0)
    effect_hours_min: Decimal = Field(gt=0)
    effect_hours_max: Decimal = Field(gt=0)
    max_area_cm2: int = Field(gt=0)
    max_grams: Decimal = Field(gt=0)
    grams_per_10cm2: Decimal = Field(gt=0)
    occlusion_allowed: bool
    otc: bool
    compounded: bool
    citations: Citations = Field(min_length=1)
    note: str | None = None


class NumbingSpec(_Strict):
    default_agent: str
    #: Warn when the numbed surface reaches this fraction of the agent's maximum.
    warn_fraction: Decimal = Field(gt=0, le=1)
    conditions: list[Text] = Field(min_length=1)
    agents: dict[str, NumbingAgentSpec] = Field(min_length=1)


class MaintenanceWindow(_Strict):
    interval_min_days: int = Field(ge=1)
    interval_max_days: int = Field(ge=1)
    label: str
    citations: Citations = Field(min_length=1)


class SeriesSpec(_Strict):
    #: Set-up, cleansing and anaesthetic removal, added to the areas' needling minutes.
    session_overhead_minutes: int = Field(ge=0, le=240)
    maintenance_policy: Literal["seed", "literature"]
    maintenance: dict[Literal["seed", "literature"], MaintenanceWindow]
    merge_note: str | None = None


class AftercareSpec(_Strict):
    title: str = Field(min_length=1)
    text: str = Field(min_length=1)
    category: Literal["expect", "avoid", "do", "call"]
    starts_after_hours: int = Field(ge=0)
    ends_after_hours: int | None = Field(default=None, ge=0)
    #: Only for plans that treat these regions (empty: always).
    regions: list[Region] = Field(default_factory=list)
    citations: Citations = Field(min_length=1)


class RiskSpec(_Strict):
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    frequency: str | None = None
    source_kind: Literal["seed", "literature"]
    highlight_when: RuleWhen | None = None
    highlight_reason: str | None = None
    citations: Citations = Field(min_length=1)


class EducationSection(_Strict):
    title: str = Field(min_length=1)
    body: str = Field(min_length=1)
    citations: Citations = Field(min_length=1)


class DefaultDeviceSpec(_Strict):
    """The device a plan assumes when none is given (the CLI without --device)."""

    kind: DeviceKindName
    max_depth_mm: Mm = Field(gt=0, le=5)
    name: str | None = None
    citations: Citations = Field(min_length=1)


class ProtocolFile(_Strict):
    id: str = Field(min_length=1)
    version: str = Field(min_length=1)
    name: str = Field(min_length=1)
    description: str | None = None
    #: Bibliography file, relative to this file.
    bibliography: str = "bibliography.yaml"
    depth_table_note: Text
    conservative_policy: Text
    #: Optional in a clinic's file: the shipped protocol's pen is used when it has none.
    default_device: DefaultDeviceSpec | None = None
    regions: dict[Region, RegionSpec]
    depth_groups: dict[str, DepthGroup] = Field(min_length=1)
    areas: dict[str, AreaSpec] = Field(min_length=1)
    indications: dict[str, IndicationSpec] = Field(min_length=1)
    skin_states: dict[str, Vocab]
    conditions: dict[str, Vocab]
    medications: dict[str, Vocab]
    rules: dict[str, RuleSpec]
    built_in_checks: dict[str, BuiltInCheck]
    series: SeriesSpec
    numbing: NumbingSpec
    aftercare: dict[str, AftercareSpec]
    risks: dict[str, RiskSpec]
    education: dict[str, EducationSection]
