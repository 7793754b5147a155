"""The protocol engine's rules as treatment day needs them: numbing timings and the large-area
limit of an agent, area surfaces, and the depth decision for one charted area.

The engine decides; this module only adapts its inputs (a device row, a plan area) and never
re-implements a limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pydantic import ValidationError

from needlepoint.clinic.clinics.models import Device as DeviceRow
from needlepoint.protocol import (
    AreaRequest,
    ClientProfile,
    DepthDecision,
    Device,
    DeviceKind,
    PlanInputError,
    Protocol,
    TreatmentRequest,
    default_protocol,
)
from needlepoint.protocol.context import resolve
from needlepoint.protocol.depth import decide_depth
from needlepoint.protocol.numbing import limit_cm2

from .errors import DepthRefused, NumbingRefused


def protocol() -> Protocol:
    """The protocol in force (the shipped one; a clinic file would be chosen here)."""
    return default_protocol()


@dataclass(frozen=True)
class AgentRules:
    code: str
    name: str
    concentration: str
    onset_minutes: int
    effect_min_minutes: int
    effect_max_minutes: int
    max_area_cm2: int
    max_grams: Decimal
    grams_per_10cm2: Decimal
    warn_fraction: Decimal


def agent_rules(code: str | None = None) -> AgentRules:
    """Timings and limits of a numbing agent (the protocol's default when ``code`` is empty)."""
    n = protocol().data.numbing
    code = code or n.default_agent
    spec = n.agents.get(code)
    if spec is None:
        known = ", ".join(n.agents)
        raise NumbingRefused(f"Unknown anaesthetic {code!r} (known: {known}).", field="agent")
    strength = " + ".join(f"{name} {pct.normalize()} %" for name, pct in spec.ingredients.items())
    return AgentRules(
        code=code,
        name=spec.name,
        concentration=strength,
        onset_minutes=spec.application_minutes,
        effect_min_minutes=int(spec.effect_hours_min * 60),
        effect_max_minutes=int(spec.effect_hours_max * 60),
        max_area_cm2=limit_cm2(spec),
        max_grams=spec.max_grams,
        grams_per_10cm2=spec.grams_per_10cm2,
        warn_fraction=n.warn_fraction,
    )


def agent_choices() -> list[tuple[str, str]]:
    return [(code, a.name) for code, a in protocol().data.numbing.agents.items()]


def area_name(code: str) -> str:
    return protocol().area_name(code)


def area_choices() -> list[tuple[str, str]]:
    """Every area and, for paired ones, each side (``cheeks.left``)."""
    p = protocol()
    return [(code, p.area_name(code)) for code in p.area_codes()]


def surface_cm2(areas: list[str]) -> int:
    """The numbed surface: each area's (or side's) typical patch from the protocol."""
    p = protocol()
    unknown = [a for a in areas if not p.is_area(a)]
    if unknown:
        raise NumbingRefused(f"Unknown area {unknown[0]!r}.", field="areas")
    return sum(p.area_surface_cm2(a) for a in areas)


def engine_device(device: DeviceRow) -> Device:
    # Stamps are adjustable like pens as far as the engine is concerned (as in plans.engine).
    kind = DeviceKind.ROLLER if device.kind == "roller" else DeviceKind.PEN
    return Device(kind=kind, max_depth_mm=device.max_depth_mm)


def depth_decision(
    *,
    area: str,
    indication: str,
    grade: int | None,
    device: DeviceRow,
    depth_mm: Decimal | None,
    reason: str,
    today: date,
) -> DepthDecision:
    """The engine's decision for ``depth_mm`` on this area with this device: the recommended
    depth and cap, the chosen depth; raises DepthRefused beyond a hard limit or when the engine
    needs a reason that is missing. Screening is not re-run here: the plan and check-in did it."""
    try:
        request = _request(area, indication, grade, device, depth_mm, reason)
    except ValidationError as exc:  # the engine's input model: e.g. 1.255 mm, NaN
        problem = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise DepthRefused(f"Depth: {problem}.", field="depth_mm") from exc
    # Depth does not depend on the profile beyond notes; a neutral one is enough.
    profile = ClientProfile(fitzpatrick=1)
    try:
        ctx = resolve(protocol(), profile, request, today, None)
        decision, findings = decide_depth(ctx.areas[0], ctx)
    except PlanInputError as exc:
        field = "override_reason" if exc.field.endswith("override_reason") else "depth_mm"
        raise DepthRefused(exc.problem[:1].upper() + exc.problem[1:] + ".", field=field) from exc
    if decision is None:
        why = " ".join(f.reason for f in findings) or "the device cannot treat this area"
        raise DepthRefused(why, field="device")
    return decision


def _request(
    area: str, indication: str, grade: int | None, device: DeviceRow, depth_mm: Decimal | None, reason: str
) -> TreatmentRequest:
    return TreatmentRequest(
        areas=[
            AreaRequest(
                area=area,
                indication=indication,
                goodman_baron_grade=grade,
                override_mm=depth_mm,
                override_reason=reason.strip() or None,
            )
        ],
        device=engine_device(device),
        numbing=False,
    )
