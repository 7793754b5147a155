"""Adverse events (with follow-up tasks), outcome scores per session and area, and reviews."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from needlepoint.clinic.outcomes.models import EventType, Severity

from .common import Day, Id, Text


class FollowUpOut(Schema):
    id: int
    title: str
    due_on: date | None
    done_at: datetime | None


class AdverseEventOut(Schema):
    id: int
    client_id: int
    appointment_id: int | None
    source: str
    origin: str
    type: str
    symptoms: str
    severity: str
    onset: date | None
    area: str
    device_id: int | None
    lot_code: str
    description: str
    treatment_given: str
    status: str
    resolved_on: date | None
    resolution: str
    created_at: datetime
    tasks: list[FollowUpOut]


class AdverseEventIn(Schema):
    client_id: Id
    type: EventType
    severity: Severity = Severity.MODERATE
    appointment_id: Id | None = None
    description: Text = Field("", max_length=5000)
    onset: Day | None = None
    area: Text = Field("", max_length=60)
    symptoms: list[Text] = Field(default_factory=list, max_length=20)
    treatment_given: Text = Field("", max_length=5000)
    lot_code: Text = Field("", max_length=80)


class AdverseEventPatch(Schema):
    type: EventType | None = None
    severity: Severity | None = None
    treatment_given: Text | None = Field(None, max_length=5000)
    description: Text | None = Field(None, max_length=5000)
    area: Text | None = Field(None, max_length=60)


class FollowUpIn(Schema):
    title: Text = Field(min_length=1, max_length=200)
    due_on: Day | None = None


class ResolveIn(Schema):
    resolution: Text = Field(min_length=1, max_length=5000)
    resolved_on: Day | None = None


class ScoreIn(Schema):
    scale: Text = Field(
        max_length=40, description="e.g. goodman_baron_qualitative, gais, client_satisfaction"
    )
    value: int | None = Field(None, ge=-1000, le=1000)
    area: Text = Field("", max_length=60)
    indication: Text = Field("", max_length=60)
    detail: dict[str, Any] = Field(
        default_factory=dict, description="Lesion counts for the quantitative scale."
    )


class ScoreOut(Schema):
    id: int
    client_id: int
    appointment_id: int
    area: str
    indication: str
    scale: str
    value: int
    detail: dict[str, Any]
    session_at: datetime
    improvement: int | None
    is_latest: bool


class ReviewOut(Schema):
    id: int
    client_id: int
    series_id: int
    treatment: str
    rating: int
    text: str
    display_name: str
    status: str
    submitted_at: datetime
    moderated_at: datetime | None
    reject_reason: str
    published_at: datetime | None


class RejectIn(Schema):
    reason: Text = Field(min_length=1, max_length=300)
