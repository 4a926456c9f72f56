"""Link status probe: is the page behind a link still there?  Status only, nothing stored.

Every request goes through the guarded fetcher's address rules (:meth:`GuardedFetcher.send_checked`:
http(s) only, every resolved address public unless allow-listed, connecting to the checked
address); redirects are followed by hand under the same guard (at most ``max_redirects``).

A probe asks with ``GET`` and reads only the first :data:`TEXT_BYTES` of the final page (for
removal markers: many hosts answer a removed item with 200 and a "video removed" page), then
drops the connection. With ``head_first`` it asks with ``HEAD`` first and falls back to that
``GET`` when the final ``HEAD`` answers 2xx (the text is needed) or the host does not take
``HEAD`` (405, 501, …): politer to hosts of dead links, but two requests for every live one
(measured: ~1.7x the CPU per live link), so recheck's default is ``GET`` alone.

At most ``concurrency`` probes run at once, and at most ``per_host`` requests to one host name
(each hop holds its own host's slot, so a redirect to another host counts there).  Picture
fetching is not touched: this module has its own slots and client.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx

from core.errors import FetchTimeout, InvalidLink, MediaError
from core.media.fetcher import (
    DEFAULT_PER_HOST,
    GuardedFetcher,
    HostSlots,
    TransportFactory,
    parse_fetch_url,
    tls_context,
)

TEXT_BYTES = 1024
DEFAULT_PROBE_CONCURRENCY = 64
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
#: HEAD answers that say nothing about the page: ask again with GET
_HEAD_UNSUPPORTED = frozenset({400, 403, 405, 406, 501})
_USER_AGENT = "leakdesk-recheck/0.1 (takedown helper; checks whether a reported link is gone)"


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What a link answered: its final status, where redirects ended, its first KB as text."""

    status: int
    final_url: str = field(repr=False)
    text: str = field(default="", repr=False)


class LinkProbe:
    """Status probes through a :class:`GuardedFetcher`'s address guard; see the module docstring."""

    def __init__(
        self,
        guard: GuardedFetcher,
        *,
        concurrency: int = DEFAULT_PROBE_CONCURRENCY,
        per_host: int = DEFAULT_PER_HOST,
        transport_factory: TransportFactory | None = None,
        head_first: bool = False,
    ) -> None:
        self.guard = guard
        self.head_first = head_first
        self._slots = asyncio.Semaphore(max(1, concurrency))
        self._hosts = HostSlots(max(1, per_host))
        self._transport_factory = transport_factory or _unpooled_transport
        self._client: httpx.AsyncClient | None = None
        self._sessions = 0

    @asynccontextmanager
    async def session(self) -> AsyncIterator[None]:
        """Share one client (no kept-alive connections) between the probes of a run: cheaper
        than a client per probe. Sessions may nest; the client closes with the last one."""
        if self._client is None:
            self._client = self._new_client()
        self._sessions += 1
        try:
            yield
        finally:
            self._sessions -= 1
            if self._sessions == 0 and self._client is not None:
                client, self._client = self._client, None
                await client.aclose()

    def _new_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=self._transport_factory(),
            trust_env=False,
            follow_redirects=False,
            timeout=httpx.Timeout(self.guard.timeout),
            headers={"User-Agent": _USER_AGENT, "Accept-Encoding": "identity"},
        )

    async def probe(self, url: str) -> ProbeResult:
        """Status, final URL and first KB of text of ``url``.

        Raises :class:`InvalidLink`, :class:`RefusedAddress`, :class:`HostUnreachable`
        (no DNS answer, every address refused the connection), :class:`FetchTimeout` or
        :class:`MediaError`.
        """
        current = parse_fetch_url(url)
        if tls_context.cache_info().currsize == 0:  # build it once, off the event loop
            await asyncio.to_thread(tls_context)
        async with self._slots:
            try:
                async with asyncio.timeout(self.guard.total_timeout):
                    return await self._probe(current)
            except TimeoutError:
                raise FetchTimeout("the host did not answer in time") from None

    async def _probe(self, current: httpx.URL) -> ProbeResult:
        async with self.session():
            client = self._client
            assert client is not None
            method = "HEAD" if self.head_first else "GET"
            hops = 0
            while True:
                status, location, text = await self._request(client, current, method)
                if location is not None:
                    hops += 1
                    if hops > self.guard.max_redirects:
                        raise MediaError("too many redirects")
                    current = location
                    continue
                if method == "HEAD" and (200 <= status < 300 or status in _HEAD_UNSUPPORTED):
                    method = "GET"  # the page's first KB, for removal markers
                    continue
                return ProbeResult(status, str(current), text)

    async def _request(
        self, client: httpx.AsyncClient, url: httpx.URL, method: str
    ) -> tuple[int, httpx.URL | None, str]:
        """One hop under its host's slot: (status, redirect target or None, first KB)."""
        async with self._hosts.slot(url.raw_host.decode("ascii").lower()):
            response = await self.guard.send_checked(client, url, method)
            try:
                if response.status_code in _REDIRECTS:
                    target = response.headers.get("location")
                    if not target:
                        raise MediaError("the host sent a redirect without a target")
                    try:
                        return response.status_code, parse_fetch_url(str(url.join(target))), ""
                    except httpx.InvalidURL:
                        raise InvalidLink("the link redirects to an invalid address") from None
                text = await _first_text(response) if method == "GET" else ""
                return response.status_code, None, text
            except httpx.TimeoutException:
                raise FetchTimeout("the host did not answer in time") from None
            except httpx.HTTPError:
                raise MediaError("the download was interrupted") from None
            finally:
                await response.aclose()


def _unpooled_transport() -> httpx.AsyncBaseTransport:
    """No proxies from the environment, no retries, no kept-alive connections (each request
    connects to the address the guard checked), no cap on connections (the probe's own)."""
    return httpx.AsyncHTTPTransport(
        verify=tls_context(),
        trust_env=False,
        retries=0,
        limits=httpx.Limits(max_connections=None, max_keepalive_connections=0),
    )


async def _first_text(response: httpx.Response) -> str:
    """The first :data:`TEXT_BYTES` of the body as text (decompressed if the host insisted)."""
    encoding = response.headers.get("content-encoding", "").strip().lower()
    inflater = (
        zlib.decompressobj(16 + zlib.MAX_WBITS)
        if encoding in ("gzip", "x-gzip")
        else zlib.decompressobj()
        if encoding == "deflate"
        else None
    )
    body = bytearray()
    async for raw in response.aiter_raw():
        if inflater is not None:
            try:
                raw = inflater.decompress(raw, TEXT_BYTES + 1 - len(body))
            except zlib.error:
                break
        body += raw
        if len(body) >= TEXT_BYTES:
            break
    return bytes(body[:TEXT_BYTES]).decode(response.charset_encoding or "utf-8", "replace")
