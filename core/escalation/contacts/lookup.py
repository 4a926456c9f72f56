"""Find the abuse contact of hosts without a known channel: address, CDN, then RDAP.

Each host's address comes from an injected resolver (DNS by default; tests map names to
addresses). A private or local address is never looked up (the address rule of
core/urls/addresses.py, with the operator's allow-listed networks exempt). An address in
a known CDN's ranges makes the CDN the recipient; otherwise the domain's registrar and the
address's network are asked over RDAP, at most ``concurrency`` hosts at once. Answers are
cached with a time to live, failures for a shorter one. A lookup never raises.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import replace
from functools import cache

from publicsuffixlist import PublicSuffixList

from core.errors import InvalidLink
from core.escalation.contacts.cdn import Cdn, cdn_for
from core.escalation.contacts.model import AbuseContact, AbuseContactStore
from core.escalation.contacts.rdap import RdapAnswer, RdapClient, RdapUnavailable
from core.urls.addresses import IPAddress, Network, parse_host, refusal_reason

log = logging.getLogger(__name__)

Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
"""``async (host, port) -> addresses``: the DNS step, replaceable in tests."""

DEFAULT_TTL = 7 * 24 * 3600.0
DEFAULT_FAILURE_TTL = 3600.0


async def system_resolver(host: str, port: int) -> Sequence[str]:
    """Resolve ``host`` with ``getaddrinfo`` (off the event loop)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@cache
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList(only_icann=True)


def registered_domain(host: str) -> str | None:
    """The domain a registry knows for ``host`` (``cdn.leaks.example.co.uk`` ->
    ``example.co.uk``), by the ICANN part of the Public Suffix List; None for a suffix."""
    return _suffixes().privatesuffix(host.lower().rstrip("."))


class AbuseContactFinder:
    """Finds, caches and returns the abuse contacts of many hosts at once."""

    def __init__(
        self,
        rdap: RdapClient,
        store: AbuseContactStore | None = None,
        *,
        resolver: Resolver = system_resolver,
        allow_networks: Iterable[Network] = (),
        cdns: tuple[Cdn, ...] | None = None,
        concurrency: int = 8,
        timeout: float = 10.0,
        ttl: float = DEFAULT_TTL,
        failure_ttl: float = DEFAULT_FAILURE_TTL,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.rdap = rdap
        self._store = store
        self._resolver = resolver
        self._allow = tuple(allow_networks)
        self._cdns = cdns
        self._concurrency = max(1, concurrency)
        self._timeout = timeout
        self._ttl = ttl
        self._failure_ttl = failure_ttl
        self._clock = clock

    async def find(self, hosts: Iterable[str]) -> dict[str, AbuseContact]:
        """``{host: contact}`` for every host: from the cache while fresh, else looked up."""
        wanted = list(dict.fromkeys(h.lower() for h in hosts if h))
        if not wanted:
            return {}
        now = self._clock()
        found = await self._store.fresh(wanted, now) if self._store else {}
        todo = [h for h in wanted if h not in found]
        if todo:
            slots = asyncio.Semaphore(self._concurrency)

            async def bounded(host: str) -> AbuseContact:
                async with slots:
                    return await self.lookup(host)

            fresh = await asyncio.gather(*(bounded(h) for h in todo))
            done = self._clock()
            stamped = [
                replace(
                    c,
                    looked_up_at=done,
                    expires_at=done + (self._failure_ttl if c.error else self._ttl),
                )
                for c in fresh
            ]
            if self._store:
                try:
                    await self._store.save(stamped)
                except Exception as err:  # the cache is an optimisation: plan without it
                    log.warning("could not cache %d abuse contact(s): %r", len(stamped), err)
            found.update({c.host: c for c in stamped})
        return {h: found[h] for h in wanted}

    async def lookup(self, host: str) -> AbuseContact:
        """Look ``host`` up now (no cache); never raises."""
        try:
            return await self._lookup(host)
        except Exception as err:  # a lookup's failure is an outcome, never a crash
            log.warning("abuse contact lookup for %s failed: %r", host, err)
            return AbuseContact(host, error=f"lookup failed ({type(err).__name__})")

    async def _lookup(self, host: str) -> AbuseContact:
        try:
            literal = parse_host(host)
        except InvalidLink:
            return AbuseContact(host, error="not a valid host name")
        ip, why = (literal, None) if literal else await self._resolve(host)
        if ip is not None and (refused := refusal_reason(ip, self._allow)):
            return AbuseContact(host, address=str(ip), error=f"private address ({refused})")
        if ip is not None and (cdn := cdn_for(ip, self._cdns)):
            return AbuseContact(host, address=str(ip), cdn=cdn.name, cdn_channel=cdn.channel)
        domain = None if literal else registered_domain(host)
        registrar, network = await asyncio.gather(
            self._ask(self.rdap.domain, domain), self._ask(self.rdap.ip, str(ip) if ip else None)
        )
        errors = [a for a in (registrar, network) if isinstance(a, str)]
        if why:
            errors.insert(0, why)
        reg = registrar if isinstance(registrar, RdapAnswer) else None
        net = network if isinstance(network, RdapAnswer) else None
        contact = AbuseContact(
            host,
            address=str(ip) if ip else "",
            registrar=reg.name if reg else "",
            registrar_email=reg.abuse_email if reg else "",
            network=net.name if net else "",
            network_email=net.abuse_email if net else "",
            country=net.country if net else "",
            source=" ".join(a.url for a in (reg, net) if a)[:300],
        )
        if not contact.email and errors:
            return replace(contact, error="; ".join(errors)[:300])
        return contact

    async def _resolve(self, host: str) -> tuple[IPAddress | None, str | None]:
        """The first public (or allowed) address of ``host``, or None and why not."""
        try:
            async with asyncio.timeout(self._timeout):
                answers = await self._resolver(host, 443)
        except (OSError, TimeoutError) as err:
            return None, f"{host} does not resolve ({type(err).__name__})"
        addresses = []
        for text in answers:
            try:
                ip = parse_host(text.split("%", 1)[0])
            except InvalidLink:
                continue
            if ip is not None:
                addresses.append(ip)
        if not addresses:
            return None, f"{host} has no address"
        public = [ip for ip in addresses if refusal_reason(ip, self._allow) is None]
        return (public or addresses)[0], None

    async def _ask(
        self, query: Callable[[str], Awaitable[RdapAnswer | None]], value: str | None
    ) -> RdapAnswer | str | None:
        """An answer, a short reason it failed, or None (nothing to ask, or not registered)."""
        if value is None:
            return None
        try:
            async with asyncio.timeout(self._timeout * 2):
                return await query(value)
        except RdapUnavailable as err:
            return str(err)
        except TimeoutError:
            return f"RDAP timed out for {value}"
