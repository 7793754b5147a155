"""The named routes of a URL module, flattened through its include()s (feature URL modules
group their routes under resource prefixes)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver


@dataclass(frozen=True)
class Route:
    name: str
    callback: Callable[..., Any]
    params: tuple[str, ...]  # the URL's keyword arguments, prefixes' included


def flat_routes(
    patterns: Iterable[URLPattern | URLResolver], params: tuple[str, ...] = ()
) -> Iterator[Route]:
    for entry in patterns:
        here = params + tuple(entry.pattern.converters)  # type: ignore[attr-defined]
        if isinstance(entry, URLResolver):
            yield from flat_routes(entry.url_patterns, here)
        elif entry.name:
            yield Route(entry.name, entry.callback, here)
