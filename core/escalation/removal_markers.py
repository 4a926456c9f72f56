"""Removal markers: how a host says "gone" while answering 200 (data: ``[[removal]]`` entries).

The built-in entries live in ``channels.toml``; an operator's platforms file may add
``[[removal]]`` entries, one for the same platform replacing the built-in one. The entry
with ``platform = "*"`` is the generic list that applies to every host.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

GENERIC = "*"
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class RemovalMarker:
    """One platform's signs of a removed item: final-URL patterns and phrases."""

    platform: str
    final_urls: tuple[re.Pattern[str], ...] = ()
    phrases: tuple[str, ...] = ()


def _fold(text: str) -> str:
    return _SPACES.sub(" ", text.lower())


def _marker(entry: dict[str, Any]) -> RemovalMarker:
    try:
        return RemovalMarker(
            platform=str(entry["platform"]),
            final_urls=tuple(re.compile(p) for p in entry.get("final_urls", ())),
            phrases=tuple(_fold(str(p)).strip() for p in entry.get("phrases", ()) if p.strip()),
        )
    except (KeyError, TypeError, re.error) as err:
        raise ValueError(f"removal marker {entry.get('platform', '?')}: {err}") from err


def parse_markers(text: str) -> list[RemovalMarker]:
    """The ``[[removal]]`` entries of a TOML document."""
    return [_marker(entry) for entry in tomllib.loads(text).get("removal", [])]


@cache
def _builtin() -> tuple[RemovalMarker, ...]:
    text = resources.files("core.escalation").joinpath("channels.toml").read_text("utf-8")
    return tuple(parse_markers(text))


class RemovalMarkers:
    """Decides whether a page that answered is a "removed" page."""

    def __init__(self, markers: dict[str, RemovalMarker]) -> None:
        self._markers = markers
        self._generic = markers.get(GENERIC, RemovalMarker(GENERIC))

    @classmethod
    def load(cls, operator_file: str | Path | None = None) -> RemovalMarkers:
        """The built-in markers, with the operator's file's ``[[removal]]`` entries over them."""
        markers = {m.platform: m for m in _builtin()}
        if operator_file:
            for marker in parse_markers(Path(operator_file).read_text("utf-8")):
                markers[marker.platform] = marker
        return cls(markers)

    def platforms(self) -> list[str]:
        """Platform ids with their own markers (besides the generic list)."""
        return sorted(p for p in self._markers if p != GENERIC)

    def match(self, platform: str | None, final_url: str, text: str) -> str | None:
        """Why ``final_url`` / its first KB ``text`` looks removed (a short reason), or None."""
        own = self._markers.get(platform) if platform else None
        for pattern in own.final_urls if own else ():
            if pattern.search(final_url):
                return f"{platform}: redirected to a removal page"
        folded = _fold(text)
        for marker in (own, self._generic) if own else (self._generic,):
            for phrase in marker.phrases:
                if phrase in folded:
                    return f'the page says "{phrase}"'
        return None
