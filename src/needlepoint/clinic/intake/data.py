"""The structured content of an intake, independent of forms and storage, and its checks
against the protocol's vocabulary (a clinic's protocol may add codes, so nothing is hard-coded)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from needlepoint.protocol import (
    AreaRequest,
    AreaState,
    ClientProfile,
    Device,
    DeviceKind,
    Medication,
    PlanInputError,
    Protocol,
    TreatmentRequest,
    build_plan,
    sides,
)
from needlepoint.protocol.limits import REGIONS

#: Keys of skin_state that cover several areas (a region or everything).
STATE_GROUPS = (*REGIONS, "all")


@dataclass(frozen=True)
class MedicationEntry:
    code: str
    stopped_on: date | None = None


@dataclass(frozen=True)
class SkinStateEntry:
    where: str  # area code, region or "all"
    code: str
    since: date | None = None


@dataclass(frozen=True)
class AreaEntry:
    area: str
    indication: str
    goodman_baron_grade: int | None = None


@dataclass(frozen=True)
class IntakeData:
    fitzpatrick: int
    areas: tuple[AreaEntry, ...]
    conditions: tuple[str, ...] = ()
    medications: tuple[MedicationEntry, ...] = ()
    skin_state: tuple[SkinStateEntry, ...] = ()
    allergies: str = ""
    other_conditions: str = ""
    other_medications: str = ""
    goals: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    # --- JSON shapes stored on the Intake row ---
    def medications_json(self) -> list[dict[str, Any]]:
        return [
            {"code": m.code, "stopped_on": m.stopped_on.isoformat() if m.stopped_on else None}
            for m in self.medications
        ]

    def skin_state_json(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for s in self.skin_state:
            out.setdefault(s.where, []).append(
                {"code": s.code, "since": s.since.isoformat() if s.since else None}
            )
        return out

    def areas_json(self) -> list[dict[str, Any]]:
        return [
            {"area": a.area, "indication": a.indication, "goodman_baron_grade": a.goodman_baron_grade}
            for a in self.areas
        ]


# Errors are keyed by the form field they belong to, so forms can show them in place.
Errors = dict[str, list[str]]


def _add(errors: Errors, key: str, message: str) -> None:
    errors.setdefault(key, []).append(message)


def validate(data: IntakeData, protocol: Protocol, *, today: date, date_of_birth: date | None) -> Errors:
    """Every problem, keyed by field (``areas``, ``area_<code>``, ``med_<code>``, ``state_<i>``…)."""
    d = protocol.data
    errors: Errors = {}
    if not 1 <= data.fitzpatrick <= 6:
        _add(errors, "fitzpatrick", "Choose a skin type from I to VI.")
    for code in data.conditions:
        if code not in d.conditions:
            _add(errors, "conditions", f"Unknown condition code {code!r}.")
    seen_meds: set[str] = set()
    for m in data.medications:
        key = f"med_{m.code}"
        if m.code not in d.medications:
            _add(errors, "medications", f"Unknown medication code {m.code!r}.")
            continue
        if m.code in seen_meds:
            _add(errors, key, "Listed twice.")
        seen_meds.add(m.code)
        if m.stopped_on is not None:
            if date_of_birth is not None and m.stopped_on < date_of_birth:
                _add(errors, f"{key}_stopped", "The stop date is before the date of birth.")
            if m.stopped_on > today + timedelta(days=366):
                _add(errors, f"{key}_stopped", "The stop date is more than a year ahead.")
    for i, s in enumerate(data.skin_state):
        key = f"state_{i}"
        if s.where not in STATE_GROUPS and (problem := area_problem(protocol, s.where)):
            _add(errors, f"{key}_where", problem)
        if s.code not in d.skin_states:
            _add(errors, f"{key}_code", f"Unknown skin state {s.code!r}.")
        if s.since is not None and s.since > today:
            _add(errors, f"{key}_since", "This date is in the future.")
    if not data.areas:
        _add(errors, "areas", "Choose at least one area and what you would like to treat there.")
    seen_areas: list[str] = []
    for a in data.areas:
        base = sides.base_of(a.area)
        key = f"area_{base}"
        ind = d.indications.get(a.indication)
        if problem := area_problem(protocol, a.area):
            _add(errors, "areas", problem)
            continue
        spec = protocol.area(a.area)
        if any(sides.overlap(a.area, other) for other in seen_areas):
            _add(errors, key, "Choose one concern per area (or per side).")
        seen_areas.append(a.area)
        if ind is None:
            _add(errors, key, f"Unknown concern {a.indication!r}.")
            continue
        if spec.region not in ind.regions:
            _add(errors, key, f"{ind.name} is not treated on the {spec.name.lower()}.")
        if a.goodman_baron_grade is not None:
            if not ind.uses_grade:
                _add(errors, f"grade_{base}", f"A scar grade is only for acne scars, not {ind.name.lower()}.")
            elif not 1 <= a.goodman_baron_grade <= 4:
                _add(errors, f"grade_{base}", "The scar grade is 1 to 4.")
    if not errors:
        # Last line: the engine itself must accept the input, so the intake always maps 1:1.
        try:
            probe_device = Device(kind=DeviceKind.PEN, max_depth_mm=Decimal("2.50"))
            build_plan(
                to_profile(data, client_id=None, date_of_birth=date_of_birth),
                TreatmentRequest(areas=to_area_requests(data), device=probe_device),
                protocol,
                today=today,
            )
        except PlanInputError as exc:
            _add(errors, "__all__", f"The protocol cannot use this intake: {exc}")
    return errors


def area_problem(protocol: Protocol, code: str) -> str | None:
    """Why ``code`` is not an area (or a side of a paired area) of the protocol, else None."""
    if protocol.is_area(code):
        return None
    base, side = sides.split(code)
    spec = protocol.data.areas.get(base)
    if spec is None:
        return f"Unknown area {base!r}."
    if not spec.paired:
        return f"{spec.name} has no left and right side."
    return f"Unknown side {side!r} of {spec.name.lower()} (left or right)."


def to_profile(data: IntakeData, *, client_id: str | None, date_of_birth: date | None) -> ClientProfile:
    states: dict[str, list[AreaState]] = {}
    for s in data.skin_state:
        states.setdefault(s.where, []).append(AreaState(code=s.code, since=s.since))
    return ClientProfile(
        client_id=client_id,
        date_of_birth=date_of_birth,
        fitzpatrick=data.fitzpatrick,
        conditions=list(data.conditions),
        medications=[Medication(code=m.code, stopped_on=m.stopped_on) for m in data.medications],
        skin_state=states,
    )


def to_area_requests(data: IntakeData) -> list[AreaRequest]:
    return [
        AreaRequest(area=a.area, indication=a.indication, goodman_baron_grade=a.goodman_baron_grade)
        for a in data.areas
    ]


def from_json(row: Any) -> IntakeData:
    """Rebuild the data from an Intake row's JSON fields."""
    return IntakeData(
        fitzpatrick=row.fitzpatrick,
        conditions=tuple(row.conditions),
        medications=tuple(
            MedicationEntry(m["code"], date.fromisoformat(m["stopped_on"]) if m.get("stopped_on") else None)
            for m in row.medications
        ),
        skin_state=tuple(
            SkinStateEntry(where, s["code"], date.fromisoformat(s["since"]) if s.get("since") else None)
            for where, states in row.skin_state.items()
            for s in states
        ),
        areas=tuple(AreaEntry(a["area"], a["indication"], a.get("goodman_baron_grade")) for a in row.areas),
        allergies=row.allergies,
        other_conditions=row.other_conditions,
        other_medications=row.other_medications,
        goals=row.goals,
    )
