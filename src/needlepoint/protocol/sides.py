"""Sides of paired areas: ``cheeks.left`` and ``cheeks.right``; a bare ``cheeks`` is both.

A code is ``AREA`` or ``AREA.SIDE``. The protocol data says which areas are paired
(``paired: true``); a side on an unpaired area, or an unknown side, is an input error the
caller reports with its own field name. Scars, stretch marks and inflamed skin are rarely
symmetric, so every per-area step of the engine works on these codes, and a rule or a skin
state written for the bare area applies to both of its sides.
"""

from __future__ import annotations

from typing import Final, Literal

Side = Literal["left", "right"]
SIDES: Final[tuple[Side, Side]] = ("left", "right")
SEPARATOR: Final = "."


def split(code: str) -> tuple[str, str | None]:
    """``'cheeks.left'`` → ``('cheeks', 'left')``; ``'cheeks'`` → ``('cheeks', None)``."""
    base, sep, side = code.partition(SEPARATOR)
    return (base, side) if sep else (base, None)


def join(base: str, side: str | None) -> str:
    return f"{base}{SEPARATOR}{side}" if side else base


def base_of(code: str) -> str:
    return split(code)[0]


def both(base: str) -> tuple[str, str]:
    return join(base, "left"), join(base, "right")


def covers(key: str, code: str) -> bool:
    """Whether what is said of ``key`` holds for ``code``: a bare area covers its sides."""
    key_base, key_side = split(key)
    base, side = split(code)
    return key_base == base and (key_side is None or key_side == side)


def overlap(a: str, b: str) -> bool:
    """Whether two codes name some skin in common (``cheeks`` and ``cheeks.left`` do)."""
    return covers(a, b) or covers(b, a)


def label(name: str, side: str | None) -> str:
    """``'Cheeks'``, ``'left'`` → ``'Cheeks (left)'``."""
    return f"{name} ({side})" if side else name


def half(value: int) -> int:
    """One side's share of a whole-area quantity (surface, minutes), rounded up: the engine
    never underestimates an anaesthetic surface or a session's length."""
    return -(-value // 2)
