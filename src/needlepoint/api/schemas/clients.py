"""Clients (patients). Every read of these is PHI and access-logged."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema
from pydantic import Field

from .common import Day, Id, Text


class ClientOut(Schema):
    id: int
    first_name: str
    last_name: str
    date_of_birth: date
    email: str
    phone: str
    fitzpatrick: int | None
    preferred_location_id: int | None
    consent_email: bool
    consent_sms: bool
    consent_updated_at: datetime | None
    is_archived: bool
    created_at: datetime
    updated_at: datetime


class ClientIn(Schema):
    first_name: Text = Field(min_length=1, max_length=100)
    last_name: Text = Field(min_length=1, max_length=100)
    date_of_birth: Day
    email: Text = Field("", max_length=254)
    phone: Text = Field("", max_length=40)
    fitzpatrick: int | None = Field(None, ge=1, le=6)
    preferred_location_id: Id | None = None
    consent_email: bool = False
    consent_sms: bool = False


class ClientPatch(Schema):
    """Only the fields sent are changed."""

    first_name: Text | None = Field(None, min_length=1, max_length=100)
    last_name: Text | None = Field(None, min_length=1, max_length=100)
    date_of_birth: Day | None = None
    email: Text | None = Field(None, max_length=254)
    phone: Text | None = Field(None, max_length=40)
    fitzpatrick: int | None = Field(None, ge=1, le=6)
    preferred_location_id: Id | None = None
    consent_email: bool | None = None
    consent_sms: bool | None = None
