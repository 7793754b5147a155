"""The one CSV writer every export uses (clients, appointments, charts, adverse events,
analytics): a cell a spreadsheet would run as a formula is neutralised on the way out.

OWASP's rule: a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return (we add a
line feed and the full-width `＝＋－＠` some spreadsheets also read as operators) is written with
a leading apostrophe, which spreadsheets hide and read as "this is text". A cell that already
starts with an apostrophe gets one more, so every text survives export → import unchanged (our
importer strips exactly one, csv_common.unsafe_cell).

Numbers stay numbers: an int, float or Decimal is written as it is, and so is text that is
exactly a negative decimal number (`-3`, `-0.1250` — analytics intervals, depths) because a
spreadsheet reads it as that number and nothing else. Any other text starting with `-` (`-Smith`,
`-1+cmd|…`) is prefixed like the rest.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any, Protocol

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
ESCAPE = "'"
_NEGATIVE_NUMBER = re.compile(r"-[0-9]+(\.[0-9]+)?")


class _Writable(Protocol):
    def write(self, value: str, /) -> Any: ...


def safe_cell(value: object) -> object:
    """`value` as it may go into a CSV cell: numbers unchanged, text neutralised."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = "" if value is None else str(value)
    if _NEGATIVE_NUMBER.fullmatch(text):
        return text
    return ESCAPE + text if text.startswith((*FORMULA_START, ESCAPE)) else text


class SafeWriter:
    """csv.writer's interface, every cell passed through safe_cell."""

    def __init__(self, out: _Writable, **fmtparams: Any) -> None:
        self._writer = csv.writer(out, **fmtparams)

    def writerow(self, row: Iterable[object]) -> Any:
        return self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: _Writable, **fmtparams: Any) -> SafeWriter:
    return SafeWriter(out, **fmtparams)


class _Echo:
    def write(self, value: str) -> str:
        return value


def lines(header: Iterable[object], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """The CSV text line by line, for a streaming response."""
    w = writer(_Echo())
    yield w.writerow(header)
    for row in rows:
        yield w.writerow(row)
