"""What an abuse-contact lookup found for one host, and where such findings are kept."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class AbuseContact:
    """The abuse contact of a host that has no known channel, from DNS, CDN ranges and RDAP.

    ``error`` is set when no contact could be found because a step failed (cached for a
    short time); a lookup that was answered but named nobody leaves it empty.
    """

    host: str
    address: str = ""  # the address that was looked up
    cdn: str = ""  # the CDN in front of the host, if any
    cdn_channel: str = ""  # that CDN's channel id (channels.toml)
    registrar: str = ""
    registrar_email: str = ""
    network: str = ""  # who holds the address block
    network_email: str = ""
    country: str = ""  # the network's country (ISO 3166 alpha-2)
    source: str = ""  # the RDAP queries that answered
    error: str = ""
    looked_up_at: float = 0.0  # epoch seconds
    expires_at: float = 0.0

    @property
    def email(self) -> str:
        """The abuse address to write to: the host's network first (it can remove the
        content), else the domain's registrar."""
        return self.network_email or self.registrar_email

    @property
    def holder(self) -> str:
        """Who the abuse address belongs to."""
        if self.network_email:
            return self.network or self.address
        return self.registrar or self.host

    def describe(self) -> str:
        """Why a host has no recipient, in a few words (for the summary)."""
        if self.cdn:
            return f"behind {self.cdn}"
        if self.email:
            return f"abuse contact {self.email} ({self.holder})"
        return self.error or "RDAP names no abuse contact"


class AbuseContactStore(Protocol):
    """A cache of lookups with a time to live."""

    async def fresh(self, hosts: Collection[str], now: float) -> dict[str, AbuseContact]:
        """The cached contacts of ``hosts`` that have not expired at ``now``."""
        ...

    async def save(self, contacts: Sequence[AbuseContact]) -> None:
        """Store (or replace) ``contacts``."""
        ...
