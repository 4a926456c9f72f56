"""The platform registry: which platform owns a host, and its URL rules (loaded from TOML data).

The registry also carries the operator's allow-listed networks
(``LEAKDESK_FETCH_ALLOW_NETWORKS``): links to those addresses are accepted at intake,
exactly as the fetcher connects to them.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from core.urls.addresses import Network, parse_networks


@dataclass(frozen=True)
class Rewrite:
    """A regular-expression rewrite of a link's locator onto one shape.

    The locator is ``path`` (or ``path#fragment`` when the fragment is kept); with
    ``query`` it is ``path?query`` after tracking parameters were dropped and the rest
    sorted.  ``host`` limits the rule to one host (for short links: the host as given;
    for other rules: the folded host).  ``lower`` lowercases the result (case-insensitive
    ids).  ``example`` is an ``(input, equivalent)`` pair the tests check.
    """

    pattern: re.Pattern[str]
    replace: str
    host: str | None = None
    query: bool = False
    lower: bool = False
    example: tuple[str, str] | None = None


@dataclass(frozen=True, eq=False)
class Platform:
    """One hosting platform: the hosts it owns and how its URLs are folded (hashed by identity)."""

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
    fold_trailing_slash: bool = True
    fold_subdomains: re.Pattern[str] | None = None
    examples: tuple[tuple[str, str], ...] = ()
    distinct: tuple[tuple[str, str], ...] = ()
    channel: str = ""
    contact: str | None = None
    notices: tuple[str, ...] = ()

    def folded_host(self, host: str) -> str:
        """``host`` with a mirror, alias or foldable subdomain (``de.``, ``n2.``) folded."""
        if host in self.host_aliases:
            return self.host_aliases[host]
        if host in self.aliases:
            return self.canonical_host
        if self.fold_subdomains is not None:
            label, _, parent = host.partition(".")
            if self.fold_subdomains.fullmatch(label) and self._owns_exactly(parent):
                return self.folded_host(parent)
        return host

    def _owns_exactly(self, host: str) -> bool:
        return host in self.hosts or host in self.aliases or host in self.host_aliases


@dataclass(frozen=True, eq=False)
class Registry:
    """Lookup of platforms by host, plus the networks links may point into."""

    platforms: tuple[Platform, ...]
    allow_networks: tuple[Network, ...] = ()

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

    def allowing(self, networks: str | Iterable[str]) -> Registry:
        """This registry with links into ``networks`` (CIDRs) accepted; see module docstring."""
        return replace(self, allow_networks=parse_networks(networks))


def _pair(value: Any) -> tuple[str, str]:
    left, right = value
    return str(left), str(right)


def _rewrites(items: list[dict[str, Any]]) -> tuple[Rewrite, ...]:
    return tuple(
        Rewrite(
            pattern=re.compile(item["pattern"]),
            replace=item["replace"],
            host=item.get("host"),
            query=bool(item.get("query", False)),
            lower=bool(item.get("lower", False)),
            example=_pair(item["example"]) if "example" in item else None,
        )
        for item in items
    )


def parse_registry(text: str) -> Registry:
    """Build a :class:`Registry` from TOML text (see ``platforms.toml``)."""
    data = tomllib.loads(text)
    platforms = []
    for entry in data.get("platform", []):
        subdomains = entry.get("fold_subdomains")
        platforms.append(
            Platform(
                id=entry["id"],
                name=entry["name"],
                canonical_host=entry["canonical_host"],
                hosts=tuple(entry["hosts"]),
                aliases=frozenset(entry.get("aliases", [])),
                host_aliases={a["from"]: a["to"] for a in entry.get("host_aliases", [])},
                drop_params=frozenset(p.lower() for p in entry.get("drop_params", [])),
                rewrites=_rewrites(entry.get("rewrites", [])),
                short_links=_rewrites(entry.get("short_links", [])),
                keep_fragment=bool(entry.get("keep_fragment", False)),
                fold_trailing_slash=bool(entry.get("fold_trailing_slash", True)),
                fold_subdomains=re.compile(subdomains) if subdomains else None,
                examples=tuple(_pair(p) for p in entry.get("examples", [])),
                distinct=tuple(_pair(p) for p in entry.get("distinct", [])),
                channel=entry.get("channel", ""),
                contact=entry.get("contact"),
                notices=tuple(entry.get("notices", [])),
            )
        )
    return Registry(tuple(platforms))


@cache
def default_registry(path: str | None = None, allow_networks: str = "") -> Registry:
    """The registry shipped with leakdesk, or one read from ``path``.

    ``allow_networks`` (``LEAKDESK_FETCH_ALLOW_NETWORKS``, CIDRs) are accepted at intake.
    """
    if path:
        registry = parse_registry(Path(path).read_text(encoding="utf-8"))
    else:
        text = resources.files("core.urls").joinpath("platforms.toml").read_text(encoding="utf-8")
        registry = parse_registry(text)
    return registry.allowing(allow_networks) if allow_networks.strip() else registry
