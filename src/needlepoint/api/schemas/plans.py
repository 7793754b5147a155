"""Treatment plans: the engine's proposal, findings to acknowledge, the series to book."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import Field

from .common import Day, Id, Text

#: Null for a token whose role may not read clinical data (front desk): see clinic/sensitivity.py.
CLINICAL = "Clinical: null unless the token's role is owner or practitioner."


class PlanAreaOut(Schema):
    area: str = Field(description="Protocol area code; one side of a paired area is AREA.left / AREA.right")
    area_name: str
    side: Literal["left", "right"] | None = Field(
        default=None, description="The side for one side of a paired area; null: the whole area (both sides)"
    )
    indication: str | None = Field(description=CLINICAL)
    indication_name: str | None = Field(description=CLINICAL)
    goodman_baron_grade: int | None = Field(description=CLINICAL)
    recommended_mm: Decimal | None = Field(description=CLINICAL)
    depth_mm: Decimal | None = Field(description=CLINICAL)
    cap_mm: Decimal | None = Field(description=CLINICAL)
    override_reason: str | None = Field(description=CLINICAL)


class FindingOut(Schema):
    id: int
    code: str
    severity: str
    area: str
    area_name: str
    reason: str
    action: str
    until: date | None
    needs_acknowledgement: bool
    acknowledged_at: datetime | None
    acknowledgement_note: str


class PlanSummary(Schema):
    id: int
    client_id: int
    intake_id: int
    status: str
    planned_on: date
    created_at: datetime


class PlanOut(PlanSummary):
    supersedes_id: int | None
    device_id: int | None
    numbing: bool
    numbing_agent: str
    start_date: date | None
    engine_status: str | None = Field(description=CLINICAL)
    sessions: int | None
    gap_min_days: int | None
    gap_max_days: int | None
    first_earliest: date | None
    first_latest: date | None
    price: Decimal | None
    currency: str
    notes: str | None = Field(description=CLINICAL)
    confirmed_at: datetime | None
    ended_at: datetime | None
    end_reason: str | None = Field(description=CLINICAL)
    areas: list[PlanAreaOut]
    findings: list[FindingOut] = Field(description="Clinical: empty unless owner or practitioner.")
    problems: list[str] = Field(description="Why a draft cannot be confirmed yet (empty when it can).")


class PlanIn(Schema):
    device_id: Id
    start_date: Day | None = None
    numbing: bool = True
    numbing_agent: Text = Field("", max_length=60)
    supersedes_id: Id | None = Field(None, description="A confirmed plan of the client this one revises.")


class AreaChoiceIn(Schema):
    area: Text = Field(max_length=60)
    depth_mm: Decimal | None = Field(None, ge=0, le=Decimal("9.99"), max_digits=3, decimal_places=2)
    reason: Text = Field("", max_length=2000, description="Why the depth differs from the recommendation.")


class ScheduleIn(Schema):
    sessions: int = Field(ge=1, le=12)
    gap_min_days: int = Field(ge=1, le=366)
    gap_max_days: int = Field(ge=1, le=366)
    first_earliest: Day
    first_latest: Day
    reason: Text = Field("", max_length=2000)


class PlanRevisionIn(Schema):
    """The practitioner's changes to a draft; the engine re-screens before anything is saved."""

    areas: list[AreaChoiceIn] | None = Field(None, max_length=30, description="Omit to keep the areas.")
    schedule: ScheduleIn | None = None
    price: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)
    notes: Text | None = Field(None, max_length=5000)


class AcknowledgeIn(Schema):
    note: Text = Field("", max_length=2000)


class ReasonIn(Schema):
    reason: Text = Field(min_length=1, max_length=300)
