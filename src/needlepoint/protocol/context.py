"""Resolve a profile and request against a protocol: the shared input of every planning step.

All vocabulary checks happen here, once, so later steps can index the protocol without
guarding, and every error names the input field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from . import sides
from .errors import PlanInputError
from .limits import REGIONS
from .loader import Protocol
from .models import AreaRequest, AreaState, ClientProfile, Medication, TreatmentRequest
from .schema import AreaSpec, IndicationSpec, NumbingAgentSpec

#: Skin-state keys that cover several areas at once.
STATE_GROUP_KEYS = (*REGIONS, "all")


@dataclass(frozen=True, slots=True)
class ResolvedArea:
    index: int
    req: AreaRequest
    #: ``cheeks``, or one side of a paired area: ``cheeks.left``.
    code: str
    spec: AreaSpec
    indication_code: str
    indication: IndicationSpec
    states: tuple[AreaState, ...]
    surface_cm2: int
    side: sides.Side | None = None

    @property
    def field(self) -> str:
        return f"areas[{self.index}]"

    @property
    def base(self) -> str:
        return sides.base_of(self.code)

    @property
    def name(self) -> str:
        return sides.label(self.spec.name, self.side)

    @property
    def treatment_minutes(self) -> int:
        return sides.half(self.spec.treatment_minutes) if self.side else self.spec.treatment_minutes


@dataclass(frozen=True, slots=True)
class Context:
    protocol: Protocol
    profile: ClientProfile
    request: TreatmentRequest
    today: date
    appointment_start: datetime | None
    areas: tuple[ResolvedArea, ...]
    conditions: frozenset[str]
    age: int | None
    agent_code: str | None
    agent: NumbingAgentSpec | None


def _known(items: Iterable[str]) -> str:
    return ", ".join(items)


def age_on(dob: date, today: date) -> int:
    return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))


def resolve(
    protocol: Protocol,
    profile: ClientProfile,
    request: TreatmentRequest,
    today: date,
    appointment_start: datetime | None,
) -> Context:
    d = protocol.data
    # -- profile --
    for i, c in enumerate(profile.conditions):
        if c not in d.conditions:
            raise PlanInputError(f"client.conditions[{i}]",
                                 f"unknown condition {c!r} (known: {_known(d.conditions)})")
    for i, m in enumerate(profile.medications):
        if m.code not in d.medications:
            raise PlanInputError(f"client.medications[{i}].code",
                                 f"unknown medication {m.code!r} (known: {_known(d.medications)})")
    for key, states in profile.skin_state.items():
        if key not in STATE_GROUP_KEYS:
            area_code(d.areas, key, f"client.skin_state.{key}", groups=STATE_GROUP_KEYS)
        for j, s in enumerate(states):
            if s.code not in d.skin_states:
                raise PlanInputError(f"client.skin_state.{key}[{j}].code",
                                     f"unknown skin state {s.code!r} "
                                     f"(known: {_known(d.skin_states)})")
            if s.since is not None and s.since > today:
                raise PlanInputError(f"client.skin_state.{key}[{j}].since",
                                     f"is in the future ({s.since.isoformat()})")
    if profile.date_of_birth is not None and profile.date_of_birth > today:
        raise PlanInputError("client.date_of_birth", "is in the future")

    # -- request --
    requested: list[tuple[str, int]] = []
    areas: list[ResolvedArea] = []
    for i, a in enumerate(request.areas):
        f = f"areas[{i}]"
        base, side = area_code(d.areas, a.area, f"{f}.area")
        spec = d.areas[base]
        for other, j in requested:
            if sides.overlap(other, a.area):
                raise PlanInputError(f"{f}.area", f"{a.area!r} overlaps {other!r} (areas[{j}]);"
                                                  " give one indication per area or side")
        requested.append((a.area, i))
        ind = d.indications.get(a.indication)
        if ind is None:
            raise PlanInputError(f"{f}.indication", f"unknown indication {a.indication!r} "
                                                    f"(known: {_known(d.indications)})")
        if spec.region not in ind.regions:
            raise PlanInputError(
                f"{f}.indication",
                f"{a.indication!r} does not apply to {base!r} (region {spec.region}; "
                f"it applies to: {_known(ind.regions)})")
        if not ind.uses_grade and a.goodman_baron_grade is not None:
            raise PlanInputError(f"{f}.goodman_baron_grade",
                                 f"only for acne-scar indications, not {a.indication!r}")
        if not ind.uses_grade and a.scar_types:
            raise PlanInputError(f"{f}.scar_types",
                                 f"only for acne-scar indications, not {a.indication!r}")
        for code, code_side in _sides_to_plan(profile, base, side, spec.paired):
            keys = (base, code, spec.region, "all") if code_side else (base, spec.region, "all")
            area_states = tuple(s for key in keys for s in profile.skin_state.get(key, ()))
            whole = a.surface_cm2 if a.surface_cm2 and side is None else spec.surface_cm2
            surface = a.surface_cm2 if side is not None and a.surface_cm2 else (
                sides.half(whole) if code_side else whole)
            areas.append(ResolvedArea(i, a, code, spec, a.indication, ind, area_states,
                                      surface, code_side))

    for i, ps in enumerate(request.prior_sessions):
        if ps.date > today:
            raise PlanInputError(f"prior_sessions[{i}].date", f"is in the future ({ps.date})")
        for j, code in enumerate(ps.areas):
            area_code(d.areas, code, f"prior_sessions[{i}].areas[{j}]")

    agent_code: str | None = request.numbing_agent or d.numbing.default_agent
    agent = d.numbing.agents.get(agent_code or "")
    if agent is None:
        raise PlanInputError("numbing_agent", f"unknown agent {agent_code!r} "
                                              f"(known: {_known(d.numbing.agents)})")
    if not request.numbing:
        agent_code, agent = None, None

    if appointment_start is not None and appointment_start.utcoffset() is None:
        raise PlanInputError("appointment_start",
                             "must be timezone-aware (give an offset or a time zone)")

    age = age_on(profile.date_of_birth, today) if profile.date_of_birth else None
    return Context(protocol, profile, request, today, appointment_start, tuple(areas),
                   frozenset(profile.conditions), age, agent_code, agent)


def area_code(known: Mapping[str, AreaSpec], code: str, field: str,
              groups: Iterable[str] = ()) -> tuple[str, sides.Side | None]:
    """``code`` split into area and side, or a PlanInputError naming ``field``: an unknown
    area, an unknown side, or a side on an area the protocol does not pair."""
    base, side = sides.split(code)
    spec = known.get(base)
    if spec is None:
        raise PlanInputError(field, f"unknown area {base!r} (known: {_known([*known, *groups])})")
    if side is None:
        return base, None
    if not spec.paired:
        paired = [c for c, a in known.items() if a.paired]
        raise PlanInputError(field, f"{base!r} has no sides; only paired areas take .left or "
                                    f".right (paired: {_known(paired)})")
    if side not in sides.SIDES:
        raise PlanInputError(field, f"unknown side {side!r} of {base!r} "
                                    f"(known: {_known(sides.SIDES)})")
    return base, "left" if side == "left" else "right"


def _sides_to_plan(profile: ClientProfile, base: str, side: sides.Side | None, paired: bool
                   ) -> list[tuple[str, sides.Side | None]]:
    """The codes a requested area is planned as. A bare paired area stays whole unless the
    client's skin differs by side (a state given for one side), then each side is planned on
    its own, so a BLOCK on one side leaves the other."""
    if side is not None:
        return [(sides.join(base, side), side)]
    if paired and any(sides.base_of(k) == base and sides.split(k)[1] for k in profile.skin_state):
        return [(sides.join(base, s), s) for s in sides.SIDES]
    return [(base, None)]


def medication_is_current(m: Medication, today: date) -> bool:
    return m.stopped_on is None or m.stopped_on > today
