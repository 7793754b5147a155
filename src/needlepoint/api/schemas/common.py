"""Shapes shared by every resource: the error body and a page of results."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Generic, TypeVar

from ninja import Schema
from pydantic import AfterValidator, Field

from needlepoint import inputs

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
    if not inputs.plausible_date(value):
        raise ValueError(inputs.DATE_RANGE_MESSAGE)
    return value


def _name(value: str) -> str:
    if problem := inputs.name_problem(value):
        raise ValueError(problem)
    return value.strip()


def _single_line(value: str) -> str:
    if problem := inputs.single_line_problem(value):
        raise ValueError(problem)
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
#: A person's or a thing's name: not blank, one line, no control characters (web forms: harden_fields).
Name = Annotated[str, AfterValidator(_name)]
#: One line of text (lot numbers, signature names…): no CR/LF or other control characters.
Line = Annotated[str, AfterValidator(_single_line)]
Day = Annotated[date, AfterValidator(_plausible_day)]
Id = Annotated[int, Field(ge=1, le=inputs.MAX_ID)]


def _plausible_instant(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("Give a time zone offset, e.g. 2027-01-05T10:00:00Z.")
    if not inputs.plausible_instant(value):
        raise ValueError("Use a time between 1900 and 2199.")
    return value


Instant = Annotated[datetime, AfterValidator(_plausible_instant)]
