"""Needlepoint clinical protocol engine (pure Python, no Django).

Turns a client's profile and a treatment goal into a safe, explained plan::

    from needlepoint.protocol import build_plan, ClientProfile, TreatmentRequest
    plan = build_plan(profile, request, today=clock.now().date(), appointment_start=start)
    plan.model_dump(mode="json")

Protocol data (areas, indications, limits, rules, wording) lives in versioned YAML files
under ``data/``; a clinic may load its own copy with :func:`load_protocol`.
"""

from .errors import DataIssue, DepthOverrideError, PlanInputError, ProtocolDataError
from .limits import (
    DEPTH_CEILING_MM,
    DEPTH_FLOOR_MM,
    INTERVAL_FLOOR_DAYS,
    NUMBING_MAX_AREA_CM2,
    NUMBING_MAX_GRAMS,
)
from .loader import (
    DEFAULT_PROTOCOL_PATH,
    Protocol,
    default_protocol,
    load_bibliography,
    load_protocol,
)
from .models import (
    AftercareEvent,
    AreaPlan,
    AreaRequest,
    AreaState,
    ClientProfile,
    DepthDecision,
    Device,
    DeviceKind,
    Explanation,
    Finding,
    Medication,
    NumbingGroup,
    NumbingPlan,
    Plan,
    PlanInput,
    PriorSession,
    RemovedArea,
    Risk,
    ScarType,
    SeriesPlan,
    SessionArea,
    SessionWindow,
    Severity,
    TouchUp,
    TreatmentRequest,
)
from .planner import build_plan
from .render import render_plan
from .scales import ScaleSet, default_scales, load_scales

__all__ = [
    "DEFAULT_PROTOCOL_PATH",
    "DEPTH_CEILING_MM",
    "DEPTH_FLOOR_MM",
    "INTERVAL_FLOOR_DAYS",
    "NUMBING_MAX_AREA_CM2",
    "NUMBING_MAX_GRAMS",
    "AftercareEvent",
    "AreaPlan",
    "AreaRequest",
    "AreaState",
    "ClientProfile",
    "DataIssue",
    "DepthDecision",
    "DepthOverrideError",
    "Device",
    "DeviceKind",
    "Explanation",
    "Finding",
    "Medication",
    "NumbingGroup",
    "NumbingPlan",
    "Plan",
    "PlanInput",
    "PlanInputError",
    "PriorSession",
    "Protocol",
    "ProtocolDataError",
    "RemovedArea",
    "Risk",
    "ScaleSet",
    "ScarType",
    "SeriesPlan",
    "SessionArea",
    "SessionWindow",
    "Severity",
    "TouchUp",
    "TreatmentRequest",
    "build_plan",
    "default_protocol",
    "default_scales",
    "load_bibliography",
    "load_protocol",
    "load_scales",
    "render_plan",
]
