"""Cutting links in free text down to scheme and host (logs, the audit log's reasons)."""

from __future__ import annotations

import re

#: a link with a scheme: the part kept (scheme and host) and the rest
_LINK = re.compile(r"\b([a-z][a-z0-9+.-]{1,15}://[^\s/?#\"'<>]+)[^\s\"'<>]*", re.IGNORECASE)


def redact_links(text: str) -> str:
    """``text`` with every ``scheme://host/path?query#fragment`` cut to ``scheme://host/…``."""
    return _LINK.sub(_scheme_and_host, text)


def redact_optional(text: str | None) -> str | None:
    """:func:`redact_links`, passing ``None`` through."""
    return None if text is None else redact_links(text)


def _scheme_and_host(match: re.Match[str]) -> str:
    kept = match.group(1)
    return kept if match.group(0) == kept else kept + "/…"
