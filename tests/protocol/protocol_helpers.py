"""Shared builders for the protocol engine tests (imported by name; no conftest needed)."""

from __future__ import annotations

import copy
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from needlepoint.protocol import (
    AreaRequest,
    ClientProfile,
    Device,
    DeviceKind,
    Plan,
    Protocol,
    TreatmentRequest,
    build_plan,
    load_protocol,
)
from needlepoint.protocol.loader import DEFAULT_PROTOCOL_PATH

TODAY = date(2026, 11, 20)
LONDON = ZoneInfo("Europe/London")
APPOINTMENT = datetime(2026, 12, 1, 14, 0, tzinfo=LONDON)


def pen(mm: str = "2.0") -> Device:
    return Device(kind=DeviceKind.PEN, max_depth_mm=Decimal(mm))


def roller(mm: str) -> Device:
    return Device(kind=DeviceKind.ROLLER, max_depth_mm=Decimal(mm))


def area(code: str, indication: str, **kw: Any) -> AreaRequest:
    return AreaRequest(area=code, indication=indication, **kw)


def profile(fitzpatrick: int = 2, **kw: Any) -> ClientProfile:
    return ClientProfile(fitzpatrick=fitzpatrick, **kw)


def plan_for(
    areas: list[AreaRequest],
    client: ClientProfile | None = None,
    device: Device | None = None,
    protocol: Protocol | None = None,
    today: date = TODAY,
    appointment: datetime | None = None,
    **request_kw: Any,
) -> Plan:
    req = TreatmentRequest(areas=areas, device=device or pen(), **request_kw)
    return build_plan(client or profile(), req, protocol, today=today,
                      appointment_start=appointment)


def shipped_data() -> dict[str, Any]:
    """A fresh, mutable copy of the shipped protocol YAML (to make clinic copies)."""
    return copy.deepcopy(_SHIPPED)


def write_protocol(tmp_path: Path, data: dict[str, Any], name: str = "protocol.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def clinic_protocol(tmp_path: Path, data: dict[str, Any]) -> Protocol:
    return load_protocol(write_protocol(tmp_path, data))


_SHIPPED: dict[str, Any] = yaml.safe_load(DEFAULT_PROTOCOL_PATH.read_text(encoding="utf-8"))
