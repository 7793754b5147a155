"""Language tags of message templates, spelt one way (BCP 47's conventional case)."""

from __future__ import annotations

import re

_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$")


def normalise_language(tag: str) -> str:
    """A BCP 47 tag in its conventional case: 'en-gb' -> 'en-GB', 'zh-hant-tw' -> 'zh-Hant-TW'
    (language lower, 4-letter script title, 2-letter or 3-digit region upper, the rest lower)."""
    parts = tag.strip().replace("_", "-").split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif (len(part) == 2 and part.isalpha()) or (len(part) == 3 and part.isdigit()):
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


def valid_language(tag: str) -> bool:
    return bool(_LANGUAGE.match(tag.strip())) and len(tag.strip()) <= 10
