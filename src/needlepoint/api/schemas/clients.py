"""Clients (patients). Every read of these is PHI and access-logged."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema
from pydantic import Field

from .common import Day, Id, Name, Text


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
    merged_into_id: int | None = Field(
        description="Set when this record was merged into another (it is then archived)."
    )
    created_at: datetime
    updated_at: datetime


class ClientIn(Schema):
    first_name: Name = Field(min_length=1, max_length=100)
    last_name: Name = Field(min_length=1, max_length=100)
    date_of_birth: Day
    email: Text = Field("", max_length=254)
    phone: Text = Field(
        "",
        max_length=40,
        description="Any spelling; without a country code, the clinic's country. Stored in E.164.",
    )
    fitzpatrick: int | None = Field(None, ge=1, le=6)
    preferred_location_id: Id | None = None
    consent_email: bool = False
    consent_sms: bool = False


class ClientPatch(Schema):
    """Only the fields sent are changed."""

    first_name: Name | None = Field(None, min_length=1, max_length=100)
    last_name: Name | None = Field(None, min_length=1, max_length=100)
    date_of_birth: Day | None = None
    email: Text | None = Field(None, max_length=254)
    phone: Text | None = Field(None, max_length=40)
    fitzpatrick: int | None = Field(None, ge=1, le=6)
    preferred_location_id: Id | None = None
    consent_email: bool | None = None
    consent_sms: bool | None = None


class DuplicateMatch(Schema):
    id: int
    reasons: list[str] = Field(description='"email", "phone" and/or "name and date of birth".')


class DuplicateDetail(Schema):
    code: str = Field(description="duplicate_client")
    message: str
    fields: dict[str, list[str]]
    matches: list[DuplicateMatch] = Field(description="The stored clients this one may be.")


class DuplicateOut(Schema):
    """409 of POST /clients: possible duplicates; send again with ?allow_duplicate=true."""

    error: DuplicateDetail
