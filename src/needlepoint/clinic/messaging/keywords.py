"""Carrier opt-out keywords in a client's text. Carriers match the whole message as one word,
whatever its case, spacing or punctuation ("Stop.", " STOP ", "stop!"), so we do too: "please
stop calling" is a message for staff, not an opt-out."""

from __future__ import annotations

import unicodedata

STOP_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit"})
START_WORDS = frozenset({"start", "unstop", "yes"})


def normalised(text: str) -> str:
    # NFKC folds full-width and other look-alike letters; only letters and digits remain.
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


def keyword_of(text: str) -> str:
    """ "stop", "start" or "" for any other message."""
    word = normalised(text)
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    return ""
