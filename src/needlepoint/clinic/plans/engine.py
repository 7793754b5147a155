"""Running the protocol engine for a plan: intake → ClientProfile, choices → TreatmentRequest.

Depth overrides go through the engine's own override path (``override_mm`` +
``override_reason``), which refuses anything beyond the hard limits; nothing here re-checks
depths.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from needlepoint.clinic.clinics.models import Device as DeviceRow
from needlepoint.clinic.intake.data import from_json, to_profile
from needlepoint.clinic.intake.models import Intake
from needlepoint.protocol import (
    AreaRequest,
    Device,
    DeviceKind,
    Plan,
    PlanInputError,
    Protocol,
    TreatmentRequest,
    build_plan,
)


@dataclass(frozen=True)
class AreaChoice:
    """The practitioner's choice for one area. ``depth_mm`` None means "as recommended"."""

    area: str
    indication: str
    goodman_baron_grade: int | None = None
    depth_mm: Decimal | None = None
    reason: str = ""


@dataclass(frozen=True)
class EngineSettings:
    device_kind: str
    device_max_mm: Decimal
    numbing: bool = True
    numbing_agent: str = ""
    start_date: date | None = None

    @classmethod
    def for_device(cls, device: DeviceRow, **kw: object) -> EngineSettings:
        return cls(device_kind=device.kind, device_max_mm=device.max_depth_mm, **kw)  # type: ignore[arg-type]

    def engine_device(self) -> Device:
        # The clinic's "stamp" devices are adjustable like pens as far as the engine is concerned.
        kind = DeviceKind.ROLLER if self.device_kind == "roller" else DeviceKind.PEN
        return Device(kind=kind, max_depth_mm=self.device_max_mm)


class ChoiceError(ValueError):
    """The engine refused a choice; ``key`` names the form field (``depth_cheeks`` …)."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        self.message = message
        super().__init__(f"{key}: {message}")


_FIELD = re.compile(r"^areas\[(\d+)\]\.?(\w*)")
_KEY_FOR = {"override_mm": "depth", "override_reason": "reason", "indication": "indication"}


def _key(exc: PlanInputError, choices: list[AreaChoice]) -> str:
    m = _FIELD.match(exc.field)
    if m is None or int(m.group(1)) >= len(choices):
        return "__all__"
    return f"{_KEY_FOR.get(m.group(2), 'area')}_{choices[int(m.group(1))].area}"


def run_engine(
    intake: Intake,
    choices: list[AreaChoice],
    settings: EngineSettings,
    protocol: Protocol,
    *,
    today: date,
    appointment_start: datetime | None = None,
) -> Plan:
    """The engine's plan for these choices. Raises ChoiceError naming the offending field."""
    profile = to_profile(
        from_json(intake), client_id=str(intake.client_id), date_of_birth=intake.client.date_of_birth
    )

    def request(with_overrides: dict[str, Decimal]) -> TreatmentRequest:
        areas = [
            AreaRequest(
                area=c.area,
                indication=c.indication,
                goodman_baron_grade=c.goodman_baron_grade,
                override_mm=with_overrides.get(c.area),
                override_reason=(c.reason.strip() or None) if c.area in with_overrides else None,
            )
            for c in choices
        ]
        return TreatmentRequest(
            areas=areas,
            device=settings.engine_device(),
            start_date=settings.start_date,
            numbing=settings.numbing,
            numbing_agent=settings.numbing_agent or None,
        )

    def plan(overrides: dict[str, Decimal]) -> Plan:
        try:
            return build_plan(
                profile, request(overrides), protocol, today=today, appointment_start=appointment_start
            )
        except PlanInputError as exc:
            raise ChoiceError(_key(exc, choices), exc.problem) from exc

    proposal = plan({})
    # Only a depth that differs from the recommendation is an override (with its reason).
    recommended = {a.area: a.depth.recommended_mm for a in proposal.areas}
    overrides = {
        c.area: c.depth_mm
        for c in choices
        if c.depth_mm is not None and c.area in recommended and c.depth_mm != recommended[c.area]
    }
    return plan(overrides) if overrides else proposal
