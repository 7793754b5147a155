"""The token itself and the clinic's reference data (ids needed to book)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ninja import Schema


class MeOut(Schema):
    token_name: str
    scopes: list[str]
    expires_at: datetime | None
    clinic_id: int
    clinic_name: str
    membership_id: int
    role: str
    email: str


class LocationOut(Schema):
    id: int
    name: str
    timezone: str
    is_active: bool


class AppointmentTypeOut(Schema):
    id: int
    name: str
    duration_minutes: int
    numbing_minutes: int
    cleaning_minutes: int
    device_kind: str
    min_depth_mm: Decimal | None
    is_active: bool


class StaffOut(Schema):
    membership_id: int
    name: str
    role: str
    location_ids: list[int]


class DeviceOut(Schema):
    id: int
    name: str
    location_id: int
    kind: str
    max_depth_mm: Decimal
    is_active: bool
