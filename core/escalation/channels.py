"""Where removal requests go: each platform's channels, loaded from TOML data.

The built-in ``channels.toml`` is seeded from public help pages, each entry with its
source and the date it was checked; an operator's platforms file may add ``[[channel]]``
entries, and one with a built-in id replaces it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from core.escalation.notices import NOTICE_KINDS

KINDS = ("form", "email", "in_app")
SCOPES = ("platform", "every")


@dataclass(frozen=True)
class Channel:
    """One way to ask one platform (or search engine) to remove or delist links."""

    id: str
    platform: str
    name: str
    kind: str
    notices: tuple[str, ...]
    max_urls: int  # 1: one request per item; 0: no stated limit
    fields: tuple[str, ...]
    checked: date
    source: str
    verified: bool
    url: str | None = None
    address: str | None = None
    scope: str = "platform"
    synthetic: bool | None = None  # True: only for synthetic cases; None: any case
    jurisdictions: tuple[str, ...] = ()  # only for agents of these jurisdictions (empty: any)
    subject: str | None = None
    note: str = ""

    @property
    def per_request(self) -> int | None:
        """URLs one request may list (None: no limit)."""
        return self.max_urls or None


def _channel(entry: dict[str, Any]) -> Channel:
    try:
        channel = Channel(
            id=str(entry["id"]),
            platform=str(entry["platform"]),
            name=str(entry["name"]),
            kind=str(entry["kind"]),
            notices=tuple(entry["notices"]),
            max_urls=int(entry.get("max_urls", 1)),
            fields=tuple(entry.get("fields", ())),
            checked=date.fromisoformat(str(entry["checked"])),
            source=str(entry["source"]),
            verified=bool(entry.get("verified", False)),
            url=entry.get("url"),
            address=entry.get("address"),
            scope=str(entry.get("scope", "platform")),
            synthetic=entry.get("synthetic"),
            jurisdictions=tuple(j.upper() for j in entry.get("jurisdictions", ())),
            subject=entry.get("subject"),
            note=str(entry.get("note", "")),
        )
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(f"channel {entry.get('id', '?')}: {err}") from err
    problems = [f"notice {n!r}" for n in channel.notices if n not in NOTICE_KINDS]
    if channel.kind not in KINDS:
        problems.append(f"kind {channel.kind!r}")
    if channel.scope not in SCOPES:
        problems.append(f"scope {channel.scope!r}")
    if channel.kind == "email" and not channel.address:
        problems.append("an email channel needs an address")
    if channel.kind != "email" and not channel.url:
        problems.append("a form needs its url")
    if problems:
        raise ValueError(f"channel {channel.id}: unknown or missing " + ", ".join(problems))
    return channel


def parse_channels(text: str) -> list[Channel]:
    """The ``[[channel]]`` entries of a TOML document."""
    return [_channel(entry) for entry in tomllib.loads(text).get("channel", [])]


@cache
def _builtin() -> tuple[Channel, ...]:
    text = resources.files("core.escalation").joinpath("channels.toml").read_text("utf-8")
    return tuple(parse_channels(text))


def load_channels(operator_file: str | Path | None = None) -> tuple[Channel, ...]:
    """The built-in channels, with the operator's file's ``[[channel]]`` entries over them."""
    channels = {c.id: c for c in _builtin()}
    if operator_file:
        for channel in parse_channels(Path(operator_file).read_text("utf-8")):
            channels[channel.id] = channel
    return tuple(channels.values())
