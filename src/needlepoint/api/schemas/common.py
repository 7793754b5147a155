"""Shapes shared by every resource: the error body and a page of results."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Generic, TypeVar

from ninja import Schema
from pydantic import AfterValidator, Field

T = TypeVar("T")


class ErrorDetail(Schema):
    code: str = Field(description="Stable machine-readable code, e.g. not_found, invalid, conflict.")
    message: str = Field(description="What went wrong, fit to show a person.")
    fields: dict[str, list[str]] = Field(description="Problems per input field (may be empty).")


class ErrorOut(Schema):
    error: ErrorDetail


class Page(Schema, Generic[T]):
    items: list[T]
    total: int = Field(description="Rows matching the filters, across all pages.")
    limit: int
    offset: int
    next_offset: int | None = Field(description="Offset of the next page; null on the last page.")


class Message(Schema):
    detail: str


ERRORS: dict[int, type[Schema]] = {code: ErrorOut for code in (400, 401, 403, 404, 409, 422)}


def responses(schema: object, status: int = 200) -> dict[int, object]:
    """The success shape plus the error body for every 4xx the API returns."""
    return {status: schema, **ERRORS}


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; refuse it here as a 422 rather than fail in the database.
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed.")
    return value


def _plausible_day(value: date) -> date:
    if not date(1900, 1, 1) <= value <= date(2199, 12, 31):
        raise ValueError("Use a date between 1900 and 2199.")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
Day = Annotated[date, AfterValidator(_plausible_day)]
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


def _plausible_instant(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("Give a time zone offset, e.g. 2027-01-05T10:00:00Z.")
    if not datetime(1900, 1, 2, tzinfo=UTC) <= value <= datetime(2199, 12, 30, tzinfo=UTC):
        raise ValueError("Use a time between 1900 and 2199.")
    return value


Instant = Annotated[datetime, AfterValidator(_plausible_instant)]
