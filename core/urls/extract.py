"""Find links in free text (a chat message, a note, a forwarded post)."""

from __future__ import annotations

import re

_LINK = re.compile(
    r"""(?:https?://|www\.)[^\s<>"'`]+|(?<![@\w.])(?:[a-z0-9-]+\.)+[a-z]{2,}/[^\s<>"'`]*""",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?)]}>'\""


def extract_links(text: str) -> list[str]:
    """Return the links in ``text`` in order of appearance, without duplicates."""
    seen: dict[str, None] = {}
    for match in _LINK.finditer(text or ""):
        link = match.group(0)
        while link and link[-1] in _TRAILING:
            if link[-1] == ")" and link.count("(") >= link.count(")"):
                break
            link = link[:-1]
        if link:
            seen.setdefault(link, None)
    return list(seen)
