"""Limit/offset pages with the total and the next offset, for every list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import QuerySet
from ninja import Schema
from pydantic import Field

M = TypeVar("M")
MAX_LIMIT = 200


class PageParams(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description=f"Rows per page (1–{MAX_LIMIT}).")
    offset: int = Field(0, ge=0, le=1_000_000)


def paginate(qs: QuerySet[Any], params: PageParams, render: Callable[[Any], Any]) -> dict[str, Any]:
    total = qs.count()
    rows = list(qs[params.offset : params.offset + params.limit])
    following = params.offset + len(rows)
    return {
        "items": [render(r) for r in rows],
        "total": total,
        "limit": params.limit,
        "offset": params.offset,
        "next_offset": following if following < total else None,
    }
