"""Resolve a profile and request against a protocol: the shared input of every planning step.

All vocabulary checks happen here, once, so later steps can index the protocol without
guarding, and every error names the input field.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

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
    code: str
    spec: AreaSpec
    indication_code: str
    indication: IndicationSpec
    states: tuple[AreaState, ...]
    surface_cm2: int

    @property
    def field(self) -> str:
        return f"areas[{self.index}]"


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
        if key not in d.areas and key not in STATE_GROUP_KEYS:
            raise PlanInputError(
                f"client.skin_state.{key}",
                f"unknown area {key!r} (known: {_known([*d.areas, *STATE_GROUP_KEYS])})")
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
    seen: dict[str, int] = {}
    areas: list[ResolvedArea] = []
    for i, a in enumerate(request.areas):
        f = f"areas[{i}]"
        spec = d.areas.get(a.area)
        if spec is None:
            raise PlanInputError(f"{f}.area", f"unknown area {a.area!r} (known: {_known(d.areas)})")
        if a.area in seen:
            raise PlanInputError(f"{f}.area", f"duplicate area {a.area!r} (also areas[{seen[a.area]}]);"
                                              " give one indication per area")
        seen[a.area] = i
        ind = d.indications.get(a.indication)
        if ind is None:
            raise PlanInputError(f"{f}.indication", f"unknown indication {a.indication!r} "
                                                    f"(known: {_known(d.indications)})")
        if spec.region not in ind.regions:
            raise PlanInputError(
                f"{f}.indication",
                f"{a.indication!r} does not apply to {a.area!r} (region {spec.region}; "
                f"it applies to: {_known(ind.regions)})")
        if not ind.uses_grade and a.goodman_baron_grade is not None:
            raise PlanInputError(f"{f}.goodman_baron_grade",
                                 f"only for acne-scar indications, not {a.indication!r}")
        if not ind.uses_grade and a.scar_types:
            raise PlanInputError(f"{f}.scar_types",
                                 f"only for acne-scar indications, not {a.indication!r}")
        area_states = tuple(
            s
            for key in (a.area, spec.region, "all")
            for s in profile.skin_state.get(key, ())
        )
        areas.append(ResolvedArea(i, a, a.area, spec, a.indication, ind, area_states,
                                  a.surface_cm2 or spec.surface_cm2))

    for i, ps in enumerate(request.prior_sessions):
        if ps.date > today:
            raise PlanInputError(f"prior_sessions[{i}].date", f"is in the future ({ps.date})")
        for j, code in enumerate(ps.areas):
            if code not in d.areas:
                raise PlanInputError(f"prior_sessions[{i}].areas[{j}]",
                                     f"unknown area {code!r} (known: {_known(d.areas)})")

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


def medication_is_current(m: Medication, today: date) -> bool:
    return m.stopped_on is None or m.stopped_on > today
