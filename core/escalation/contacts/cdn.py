"""Known CDNs and reverse proxies: is an address served through one?  Data from cdn_ranges.toml."""

from __future__ import annotations

import ipaddress
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

from core.urls.addresses import IPAddress, Network


@dataclass(frozen=True)
class Cdn:
    """A CDN: its published address ranges and the channel that takes its abuse reports."""

    name: str
    channel: str  # a channel id of channels.toml
    ranges: tuple[Network, ...]
    source: str
    checked: date

    def serves(self, ip: IPAddress) -> bool:
        """Whether ``ip`` lies in one of this CDN's ranges."""
        return any(ip.version == net.version and ip in net for net in self.ranges)


def parse_cdns(text: str) -> tuple[Cdn, ...]:
    """The ``[[cdn]]`` entries of a TOML document; a ``ValueError`` names a bad entry."""
    cdns = []
    for entry in tomllib.loads(text).get("cdn", []):
        try:
            cdns.append(
                Cdn(
                    name=str(entry["name"]),
                    channel=str(entry["channel"]),
                    ranges=tuple(ipaddress.ip_network(r, strict=True) for r in entry["ranges"]),
                    source=str(entry["source"]),
                    checked=date.fromisoformat(str(entry["checked"])),
                )
            )
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f"cdn {entry.get('name', '?')}: {err}") from err
    return tuple(cdns)


@cache
def builtin_cdns() -> tuple[Cdn, ...]:
    """The CDNs shipped with the package (core/escalation/cdn_ranges.toml)."""
    text = resources.files("core.escalation").joinpath("cdn_ranges.toml").read_text("utf-8")
    return parse_cdns(text)


def cdn_for(ip: IPAddress, cdns: tuple[Cdn, ...] | None = None) -> Cdn | None:
    """The CDN serving ``ip``, or None."""
    for cdn in builtin_cdns() if cdns is None else cdns:
        if cdn.serves(ip):
            return cdn
    return None
