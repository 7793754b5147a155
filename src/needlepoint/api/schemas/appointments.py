"""Appointments, series search and booking."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import Field, model_validator

from .common import Day, Id, Instant, Text


class AppointmentOut(Schema):
    id: int
    client_id: int
    appointment_type_id: int
    location_id: int
    timezone: str = Field(description="The location's IANA zone; times are UTC, local_start is local.")
    practitioner_id: int
    room_id: int
    device_id: int | None
    series_id: int | None
    series_index: int | None
    arrival: datetime
    start: datetime
    end: datetime
    local_start: str = Field(description="Treatment start in the location's zone (ISO 8601 with offset).")
    status: str
    cancelled_at: datetime | None
    cancellation_reason: str
    late_cancellation: bool
    fee_due: Decimal
    sequence: int


AppointmentStatusName = Literal["booked", "checked_in", "completed", "no_show", "cancelled"]


class CancelIn(Schema):
    reason: Text = Field(min_length=1, max_length=200)
    waive_fee: bool = Field(False, description="Owners only: waive a late-cancellation fee.")


class CancelOut(Schema):
    appointment: AppointmentOut
    late: bool
    fee_due: Decimal
    offered_to_waitlist: int = Field(description="Waitlisted clients offered the freed slot.")


class RescheduleIn(Schema):
    new_start: Instant = Field(description="New treatment start (an instant with offset).")
    practitioner_id: Id | None = None
    apply_repair: bool = Field(
        False, description="Accept the knock-on moves of later series sessions the engine proposes."
    )


class SessionChangeOut(Schema):
    session: int
    before: datetime
    after: datetime


class RescheduleOut(Schema):
    appointment: AppointmentOut
    message: str
    changes: list[SessionChangeOut]


class StatusIn(Schema):
    status: Literal["checked_in", "completed", "no_show", "booked"]


class SeriesSearchIn(Schema):
    appointment_type_id: Id
    sessions: int = Field(4, ge=1, le=12)
    first_earliest: Day
    first_latest: Day
    gap_min_days: int = Field(28, ge=7, le=366)
    gap_max_days: int = Field(42, ge=7, le=366)
    location_id: Id | None = None
    same_practitioner: Literal["soft", "hard", "none"] = "soft"
    practitioner_id: Id | None = None
    weekdays: list[int] = Field(default_factory=list, max_length=7, description="0 = Monday … 6 = Sunday")
    time_of_day: Literal["morning", "afternoon", "evening"] | None = None
    plan_id: Id | None = Field(
        None, description="Book a confirmed plan: its sessions, intervals and first window apply."
    )

    @model_validator(mode="after")
    def _weekdays(self) -> SeriesSearchIn:
        # Shape only: the series' rules (windows, gaps, not in the past) are SeriesSpec's (400).
        if any(not 0 <= d <= 6 for d in self.weekdays):
            raise ValueError("weekdays are 0 (Monday) to 6 (Sunday).")
        return self


class ProposedSession(Schema):
    arrival: datetime
    start: datetime
    end: datetime
    local_start: str
    location_id: int
    practitioner_id: int
    room_id: int
    device_id: int | None


class SeriesOptionOut(Schema):
    token: str = Field(description="Post back to book this option (valid 30 minutes).")
    score: float
    sessions: list[ProposedSession]


class SeriesSearchOut(Schema):
    found: bool
    options: list[SeriesOptionOut]
    explanation: list[str] = Field(description="Why nothing (or less) was found, per session.")


class SeriesBookIn(SeriesSearchIn):
    option: Text = Field(min_length=1, max_length=4000, description="An option token from the search.")


class SeriesOut(Schema):
    id: int
    client_id: int
    sessions: int
    plan_id: int | None
    appointments: list[AppointmentOut]


class SingleBookIn(Schema):
    appointment_type_id: Id
    start: Instant = Field(description="Treatment start; must be a free slot.")
    location_id: Id | None = None
    practitioner_id: Id | None = None
