"""RDAP (RFC 9083): who holds a domain or an address, and their abuse address.

HTTP goes through this client's own ``httpx.AsyncClient``. ``whoisit`` serves for what it
does well without its module globals: the IANA bootstrap (RFC 9224) on an instance of its
``BaseBootstrap`` owned by this client (never ``whoisit.bootstrap()``, which fills one
process-wide object), and its parser for the JSON answers. Its query functions are not
used: they read that global bootstrap, keep any client given to them as the process-wide
default, and cannot take one base URL — which ``LEAKDESK_RDAP_BASE_URL`` needs (an
operator's mirror, or a fake server in tests).
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import httpx

log = logging.getLogger(__name__)


@functools.cache
def _whoisit() -> SimpleNamespace:
    """whoisit (and the requests library it pulls in) loads at the first lookup, not with
    every command that builds the app."""
    from whoisit.bootstrap import BaseBootstrap
    from whoisit.errors import WhoisItError
    from whoisit.parser import parse
    from whoisit.query import QueryBuilder

    return SimpleNamespace(
        BaseBootstrap=BaseBootstrap,
        WhoisItError=WhoisItError,
        parse=parse,
        QueryBuilder=QueryBuilder,
    )


MAX_ANSWER_BYTES = 2_000_000
BOOTSTRAP_MAX_AGE_DAYS = 1
_EMAIL = re.compile(r"^[^@\s<>,;:\"()\[\]\\]+@[A-Za-z0-9.-]+\.[A-Za-z0-9-]{2,}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


class RdapUnavailable(Exception):
    """The lookup got no usable answer (network, server error, no RDAP service, bad JSON)."""


@dataclass(frozen=True)
class RdapAnswer:
    """The parts of an RDAP answer that matter here."""

    name: str  # the registrar (domain) or the network's name (address)
    abuse_email: str
    country: str
    url: str


def clean_text(value: object, limit: int = 200) -> str:
    """One line of text from an answer: no control characters, at most ``limit`` characters."""
    return _CONTROL.sub(" ", str(value or "")).strip()[:limit]


def clean_email(value: object) -> str:
    """A plausible mail address, or "" (an answer never puts odd text into a mail header)."""
    text = str(value or "").strip().removeprefix("mailto:")
    return text.lower() if len(text) <= 254 and _EMAIL.match(text) else ""


def _abuse_email(entities: Mapping[str, Any], parent: str = "") -> str:
    abuse = [e for e in entities.get("abuse", []) if isinstance(e, dict)]
    under_parent = [e for e in abuse if parent and e.get("parent_handle") == parent]
    for entity in under_parent + abuse:
        for email in [entity.get("email"), *entity.get("emails", [])]:
            if clean_email(email):
                return clean_email(email)
    return ""


class RdapClient:
    """Asks RDAP servers about domains and addresses.

    ``base_url`` sends every query to one server; without it the IANA bootstrap picks
    the server (fetched once, refreshed after a day). ``bootstrap_urls`` replaces the
    IANA files' addresses and ``allow_insecure`` accepts http:// servers in them (tests).
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        timeout: float = 10.0,
        bootstrap_urls: Mapping[str, str] | None = None,
        allow_insecure: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/" if base_url else None
        self._bootstrap_urls = dict(bootstrap_urls) if bootstrap_urls else None
        self._allow_insecure = allow_insecure
        self._http = httpx.AsyncClient(
            timeout=timeout,
            follow_redirects=True,
            transport=transport,
            headers={"Accept": "application/rdap+json, application/json"},
        )
        self._boot: Any = None  # whoisit's BaseBootstrap, made at the first lookup
        self._boot_lock = asyncio.Lock()

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._http.aclose()

    async def domain(self, name: str) -> RdapAnswer | None:
        """The registrar of ``name`` and its abuse address (None: the registry has no such
        domain)."""
        data, url = await self._query("domain", name)
        if data is None:
            return None
        parsed = self._parse("domain", name, data)
        entities = parsed.get("entities", {})
        registrar = next(iter(entities.get("registrar", [])), {})
        return RdapAnswer(
            name=clean_text(registrar.get("name") or registrar.get("handle")),
            abuse_email=_abuse_email(entities, str(registrar.get("handle", ""))),
            country="",
            url=url,
        )

    async def ip(self, address: str) -> RdapAnswer | None:
        """The network holding ``address`` and its abuse address (None: unknown address)."""
        data, url = await self._query("ip", address)
        if data is None:
            return None
        parsed = self._parse("ip", address, data)
        return RdapAnswer(
            name=clean_text(parsed.get("name") or parsed.get("handle")),
            abuse_email=_abuse_email(parsed.get("entities", {})),
            country=clean_text(parsed.get("country"), 8).upper(),
            url=url,
        )

    def _parse(self, kind: str, query: str, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise RdapUnavailable("the RDAP answer is not a JSON object")
        try:
            return _whoisit().parse(self._booted(), kind, query, data)  # type: ignore[no-any-return]
        except (_whoisit().WhoisItError, KeyError, TypeError, ValueError) as err:
            raise RdapUnavailable(f"unreadable RDAP answer: {err}") from err

    async def _url(self, kind: str, value: str) -> str:
        if self.base_url:
            return (
                _whoisit()
                .QueryBuilder(self._booted())
                .construct_url(  # type: ignore[no-any-return]
                    self.base_url, kind, value
                )
            )
        await self._bootstrap()
        try:
            _, url, _ = (
                _whoisit().QueryBuilder(self._boot).build(query_type=kind, query_value=value)
            )
        except _whoisit().WhoisItError as err:
            raise RdapUnavailable(f"no RDAP service knows {value}") from err
        return url

    async def _query(self, kind: str, value: str) -> tuple[Any, str]:
        url = await self._url(kind, value)
        try:
            async with self._http.stream("GET", url) as response:
                if response.status_code == 404:
                    return None, url
                if response.status_code != 200:
                    raise RdapUnavailable(f"{_server(url)} answered HTTP {response.status_code}")
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_ANSWER_BYTES:
                        raise RdapUnavailable(f"{_server(url)} answered too much")
        except httpx.HTTPError as err:
            raise RdapUnavailable(f"{_server(url)} unreachable ({type(err).__name__})") from err
        try:
            return json.loads(body), url
        except ValueError as err:
            raise RdapUnavailable(f"{_server(url)} answered no JSON") from err

    def _booted(self) -> Any:
        if self._boot is None:
            self._boot = _whoisit().BaseBootstrap()
        return self._boot

    async def _bootstrap(self) -> None:
        async with self._boot_lock:
            boot = self._booted()
            if boot.is_bootstrapped() and not boot.bootstrap_is_older_than(BOOTSTRAP_MAX_AGE_DAYS):
                return
            data: dict[str, Any] = {"timestamp": int(time.time())}
            urls = self._bootstrap_urls or dict(_whoisit().BaseBootstrap.BOOTSTRAP_URLS)
            for name, url in urls.items():
                try:
                    response = await self._http.get(url)
                    response.raise_for_status()
                    data[name] = response.json()
                except (httpx.HTTPError, ValueError) as err:
                    raise RdapUnavailable(f"RDAP bootstrap unavailable ({url})") from err
            boot = _whoisit().BaseBootstrap()
            try:
                boot.load_bootstrap_data(data, allow_insecure=self._allow_insecure, from_json=False)
            except _whoisit().WhoisItError as err:
                raise RdapUnavailable(f"RDAP bootstrap unreadable: {err}") from err
            self._boot = boot
            log.info("RDAP bootstrap loaded from %d files", len(urls))


def _server(url: str) -> str:
    return httpx.URL(url).host or url
