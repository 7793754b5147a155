"""Parameters for the booking path's hand-written SQL, adapted as the ORM would store them.

SQLite keeps datetimes as naive UTC text; a raw aware parameter arrives as "…11:00:00+00:00",
which compares as *later* than the stored "…11:00:00", so every boundary (back-to-back bookings,
the snapshot windows) was off by that suffix. The ORM adapts its own parameters; raw SQL must too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, overload

from django.db import connection


def _adapt(value: object) -> object:
    return connection.ops.adapt_datetimefield_value(value) if isinstance(value, datetime) else value


@overload
def params(values: dict[str, object]) -> dict[str, Any]: ...
@overload
def params(values: list[object]) -> list[Any]: ...
def params(values: dict[str, object] | list[object]) -> dict[str, Any] | list[Any]:
    if isinstance(values, dict):
        return {k: _adapt(v) for k, v in values.items()}
    return [_adapt(v) for v in values]
