"""The new text of an email reply: everything from the quoted history down is dropped (the
"On … wrote:" line, Outlook's "-----Original Message-----" or From:/Sent: block, '>' lines)."""

from __future__ import annotations

import re

# "On Tue, 4 Jun 2024 at 10:12, Clinic <reply+…@…> wrote:" — mail clients wrap it over up to
# three lines; localised clients vary the words, English ones do not.
_ON_WROTE = re.compile(r"^[ \t]*On\b[^\n]*(?:\n[^\n]*){0,2}?\bwrote:[ \t]*$", re.MULTILINE)
_MARKERS = re.compile(
    r"^[ \t]*(?:-{2,}\s*Original Message\s*-{2,}|_{10,}|-{2,}\s*Forwarded message\s*-{2,})[ \t]*$",
    re.MULTILINE | re.IGNORECASE,
)
_OUTLOOK = re.compile(r"^[ \t]*From:[^\n]*\n[ \t]*(?:Sent|Date):", re.MULTILINE)


def strip_quoted(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    cut = len(text)
    for pattern in (_ON_WROTE, _MARKERS, _OUTLOOK):
        found = pattern.search(text)
        if found is not None:
            cut = min(cut, found.start())
    kept = [line for line in text[:cut].split("\n") if not line.lstrip().startswith(">")]
    return "\n".join(kept).strip()
