"""Intakes: the client's health questionnaire, one immutable version per submission."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from .common import Day, Text


class AreaIn(Schema):
    area: Text = Field(max_length=40, description="Protocol area code, e.g. cheeks.")
    indication: Text = Field(max_length=60, description="Protocol indication code, e.g. acne_scars.")
    goodman_baron_grade: int | None = Field(None, ge=1, le=4)


class MedicationIn(Schema):
    code: Text = Field(max_length=60)
    stopped_on: Day | None = None


class SkinStateIn(Schema):
    where: Text = Field(max_length=40, description="Area code, region, or 'all'.")
    code: Text = Field(max_length=60)
    since: Day | None = None


class IntakeIn(Schema):
    fitzpatrick: int = Field(ge=1, le=6)
    areas: list[AreaIn] = Field(min_length=1, max_length=30)
    conditions: list[Text] = Field(default_factory=list, max_length=60)
    medications: list[MedicationIn] = Field(default_factory=list, max_length=60)
    skin_state: list[SkinStateIn] = Field(default_factory=list, max_length=30)
    allergies: Text = Field("", max_length=2000)
    other_conditions: Text = Field("", max_length=2000)
    other_medications: Text = Field("", max_length=2000)
    goals: Text = Field("", max_length=2000)


class IntakePhotoOut(Schema):
    id: int
    area: str
    caption: str


#: Null for a token whose role may not read clinical data (front desk): see clinic/sensitivity.py.
CLINICAL = "Clinical: null unless the token's role is owner or practitioner."


class IntakeOut(Schema):
    id: int
    client_id: int
    version: int
    source: str
    submitted_at: datetime
    fitzpatrick: int | None = Field(description=CLINICAL)
    conditions: list[str] | None = Field(description=CLINICAL)
    medications: list[dict[str, Any]] | None = Field(description=CLINICAL)
    skin_state: dict[str, list[dict[str, Any]]] | None = Field(description=CLINICAL)
    areas: list[dict[str, Any]] | None = Field(description=CLINICAL)
    allergies: str | None = Field(description=CLINICAL)
    other_conditions: str | None = Field(description=CLINICAL)
    other_medications: str | None = Field(description=CLINICAL)
    goals: str | None = Field(description=CLINICAL)
    protocol_id: str
    protocol_version: str
    photos: list[IntakePhotoOut] = Field(description="Clinical: empty unless owner or practitioner.")


class IntakeSummary(Schema):
    id: int
    version: int
    source: str
    submitted_at: datetime
