"""The platform registry: which platform owns a host, and its URL rules (loaded from TOML data)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path


@dataclass(frozen=True)
class Rewrite:
    """A regular-expression rewrite of ``path`` (or ``path#fragment``) onto one shape."""

    pattern: re.Pattern[str]
    replace: str
    host: str | None = None  # only for short links: the host this rule applies to


@dataclass(frozen=True)
class Platform:
    """One hosting platform: the hosts it owns and how its URLs are folded."""

    id: str
    name: str
    canonical_host: str
    hosts: tuple[str, ...]
    aliases: frozenset[str] = frozenset()
    host_aliases: dict[str, str] = field(default_factory=dict)
    drop_params: frozenset[str] = frozenset()
    rewrites: tuple[Rewrite, ...] = ()
    short_links: tuple[Rewrite, ...] = ()
    keep_fragment: bool = False
    channel: str = ""
    contact: str | None = None
    notices: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class Registry:
    """Lookup of platforms by host."""

    platforms: tuple[Platform, ...]

    def __post_init__(self) -> None:
        owners: dict[str, Platform] = {}
        for platform in self.platforms:
            for host in (*platform.hosts, *platform.aliases, *platform.host_aliases):
                owners.setdefault(host, platform)
        object.__setattr__(self, "_owners", owners)

    def for_host(self, host: str) -> Platform | None:
        """Return the platform owning ``host`` (itself or a parent domain), if any."""
        owners: dict[str, Platform] = self._owners  # type: ignore[attr-defined]
        labels = host.split(".")
        for start in range(len(labels) - 1):
            platform = owners.get(".".join(labels[start:]))
            if platform is not None:
                return platform
        return None

    def get(self, platform_id: str) -> Platform | None:
        """Return the platform with this id, if registered."""
        return next((p for p in self.platforms if p.id == platform_id), None)


def _rewrites(items: list[dict[str, str]]) -> tuple[Rewrite, ...]:
    return tuple(
        Rewrite(re.compile(item["pattern"]), item["replace"], item.get("host")) for item in items
    )


def parse_registry(text: str) -> Registry:
    """Build a :class:`Registry` from TOML text (see ``platforms.toml``)."""
    data = tomllib.loads(text)
    platforms = []
    for entry in data.get("platform", []):
        platforms.append(
            Platform(
                id=entry["id"],
                name=entry["name"],
                canonical_host=entry["canonical_host"],
                hosts=tuple(entry["hosts"]),
                aliases=frozenset(entry.get("aliases", [])),
                host_aliases={a["from"]: a["to"] for a in entry.get("host_aliases", [])},
                drop_params=frozenset(entry.get("drop_params", [])),
                rewrites=_rewrites(entry.get("rewrites", [])),
                short_links=_rewrites(entry.get("short_links", [])),
                keep_fragment=bool(entry.get("keep_fragment", False)),
                channel=entry.get("channel", ""),
                contact=entry.get("contact"),
                notices=tuple(entry.get("notices", [])),
            )
        )
    return Registry(tuple(platforms))


@cache
def default_registry(path: str | None = None) -> Registry:
    """The registry shipped with leakdesk, or one read from ``path``."""
    if path:
        return parse_registry(Path(path).read_text(encoding="utf-8"))
    text = resources.files("core.urls").joinpath("platforms.toml").read_text(encoding="utf-8")
    return parse_registry(text)
