"""Guarded fetcher: download the image behind a reported link without becoming an SSRF proxy.

For every hop (the link, each redirect, the image named by an HTML page):

1. only ``http``/``https``, no credentials in the URL, a valid host;
2. the host is resolved once by us and *every* resolved address must be public
   (:mod:`core.media.addresses`), otherwise :class:`RefusedAddress` before any connect;
3. the request goes to the checked IP itself (``Host`` header and TLS SNI/verification
   keep the name), so a second DNS answer can never redirect it (DNS rebinding);
4. redirects are followed by hand, at most ``max_redirects`` hops in total;
5. the body is streamed under a byte cap (``Content-Length`` is not trusted), and
   sniffed from its first bytes: an image or video is returned, an HTML page is
   searched for its og:image (one level), anything else is :class:`NotAnImage`.

Each network phase has ``timeout`` seconds and the whole fetch ``total_timeout``.  At most
``concurrency`` fetches run at once, and at most ``per_host`` for one host (of the reported
link); a fetch waiting for its turn has not started its clock.  An HTML page is searched
by ``page_parser`` (the media worker pool in the app, so a crafted page never runs on the
event loop; in-process by default), on its first :data:`~core.media.html.HEAD_BYTES`.
Failures are the :mod:`core.errors` media errors with short, user-safe reasons.
URLs and bytes are never logged above DEBUG.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import socket
import ssl
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from ipaddress import ip_address

import httpx

from core.errors import (
    FetchTimeout,
    HostUnreachable,
    InvalidLink,
    MediaError,
    MediaTooLarge,
    NotAnImage,
)
from core.media.addresses import IPAddress, Network, check_public, parse_host
from core.media.html import HEAD_BYTES, extract_image_url
from core.media.sniff import SNIFF_BYTES, MediaKind, sniff

log = logging.getLogger(__name__)

Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
"""``async (host, port) -> addresses``: the DNS step, replaceable in tests."""

TransportFactory = Callable[[], httpx.AsyncBaseTransport]

PageParser = Callable[[bytes, str], Awaitable[str | None]]
"""``async (page, page_url) -> image URL or None``: og:image extraction, e.g. in a worker."""

HTML_MAX_BYTES = HEAD_BYTES
"""Only the head of a page is downloaded and searched for its image."""
DEFAULT_CONCURRENCY = 16
DEFAULT_PER_HOST = 4

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_USER_AGENT = "leakdesk-fetcher/0.1 (takedown helper; fetches only the reported image)"


@dataclass(frozen=True, slots=True)
class FetchedMedia:
    """An image or video body, held in memory only."""

    data: bytes = field(repr=False)
    kind: MediaKind
    final_url: str = field(repr=False)
    page_url: str | None = field(default=None, repr=False)
    """The HTML page the image was found on, if the link was a page."""


async def system_resolver(host: str, port: int) -> Sequence[str]:
    """Resolve ``host`` with the system resolver (``getaddrinfo`` off the event loop)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context (certifi's CAs) for every fetch: building one costs ~10–300 ms of CPU,
    which must not happen on the event loop for every link."""
    return httpx.create_ssl_context()


def default_transport() -> httpx.AsyncBaseTransport:
    """A fresh transport: no proxies from the environment, no retries, no pooling."""
    return httpx.AsyncHTTPTransport(
        verify=tls_context(),
        trust_env=False,
        retries=0,
        limits=httpx.Limits(max_keepalive_connections=0),
    )


class GuardedFetcher:
    """Fetch images from public hosts only; see the module docstring for the rules."""

    def __init__(
        self,
        allow_networks: Iterable[Network] = (),
        max_bytes: int = 25_000_000,
        timeout: float = 10.0,
        max_redirects: int = 5,
        resolver: Resolver = system_resolver,
        *,
        total_timeout: float = 30.0,
        transport_factory: TransportFactory = default_transport,
        concurrency: int = DEFAULT_CONCURRENCY,
        per_host: int = DEFAULT_PER_HOST,
        page_parser: PageParser | None = None,
    ) -> None:
        self.allow_networks = tuple(allow_networks)
        self.page_parser = page_parser
        self._slots = asyncio.Semaphore(max(1, concurrency))
        self._hosts = HostSlots(max(1, per_host))
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.total_timeout = total_timeout
        self.max_redirects = max_redirects
        self._resolver = resolver
        self._transport_factory = transport_factory

    async def fetch_image(self, url: str) -> FetchedMedia:
        """Fetch the image (or video) at ``url`` or on the page at ``url``.

        Raises :class:`InvalidLink`, :class:`RefusedAddress`, :class:`MediaTooLarge`,
        :class:`FetchTimeout`, :class:`NotAnImage` or :class:`MediaError`.
        """
        host = _parse_url(url).host
        if tls_context.cache_info().currsize == 0:  # build it once, off the event loop
            await asyncio.to_thread(tls_context)
        async with self._slots, self._hosts.slot(host):
            try:
                async with asyncio.timeout(self.total_timeout) as deadline:
                    return await self._fetch(url, deadline)
            except TimeoutError:
                raise FetchTimeout("the host did not answer in time") from None

    async def _image_on_page(
        self, page: bytes, page_url: str, deadline: asyncio.Timeout
    ) -> str | None:
        """Search the page; time spent queued and parsing in the worker pool (which has its
        own time budget) does not count against the network deadline."""
        if self.page_parser is None:
            return extract_image_url(page, page_url)
        loop = asyncio.get_running_loop()
        when = deadline.when()
        remaining = None if when is None else max(0.0, when - loop.time())
        deadline.reschedule(None)  # paused while the pool works
        try:
            return await self.page_parser(page, page_url)
        finally:
            if remaining is not None:
                deadline.reschedule(loop.time() + remaining)

    async def _fetch(self, url: str, deadline: asyncio.Timeout) -> FetchedMedia:
        current = _parse_url(url)
        page_url: str | None = None
        hops = 0
        async with httpx.AsyncClient(
            transport=self._transport_factory(),
            trust_env=False,
            follow_redirects=False,
            timeout=httpx.Timeout(self.timeout),
            headers={
                "User-Agent": _USER_AGENT,
                "Accept": "image/*,video/*;q=0.9,text/html;q=0.8,*/*;q=0.5",
                "Accept-Encoding": "identity",
            },
        ) as client:
            while True:
                nxt, body, kind = await self._hop(client, current, html_allowed=page_url is None)
                if nxt is None and kind is MediaKind.HTML:
                    image_url = await self._image_on_page(body, str(current), deadline)
                    if image_url is None:
                        raise NotAnImage("the page has no image")
                    page_url = str(current)
                    nxt = _parse_url(image_url)
                if nxt is None:
                    return FetchedMedia(body, kind, str(current), page_url)
                hops += 1
                if hops > self.max_redirects:
                    raise MediaError("too many redirects")
                current = nxt

    async def _hop(
        self, client: httpx.AsyncClient, url: httpx.URL, *, html_allowed: bool
    ) -> tuple[httpx.URL | None, bytes, MediaKind]:
        """One request: returns (redirect target, b"", UNKNOWN) or (None, body, kind)."""
        host = url.raw_host.decode("ascii")
        port = url.port or (443 if url.scheme == "https" else 80)
        addresses = await self._checked_addresses(host, port)
        response = await self._connect(client, url, host, addresses)
        try:
            if response.status_code in _REDIRECTS:
                location = response.headers.get("location")
                if not location:
                    raise MediaError("the host sent a redirect without a target")
                try:
                    return _parse_url(str(url.join(location))), b"", MediaKind.UNKNOWN
                except httpx.InvalidURL:
                    raise InvalidLink("the link redirects to an invalid address") from None
            if not 200 <= response.status_code < 300:
                raise MediaError(f"the host answered HTTP {response.status_code}")
            body, kind = await self._read_body(response, html_allowed=html_allowed)
            return None, body, kind
        except httpx.TimeoutException:
            raise FetchTimeout("the host did not answer in time") from None
        except httpx.HTTPError:
            raise MediaError("the download was interrupted") from None
        finally:
            await response.aclose()

    async def _checked_addresses(self, host: str, port: int) -> list[IPAddress]:
        literal = parse_host(host)
        if literal is not None:
            addresses: list[IPAddress] = [literal]
        else:
            try:
                answers = await asyncio.wait_for(self._resolver(host, port), self.timeout)
            except TimeoutError:
                raise FetchTimeout("the host name did not resolve in time") from None
            except OSError:
                raise HostUnreachable("the host name could not be resolved") from None
            addresses = [ip_address(answer) for answer in answers]
            if not addresses:
                raise HostUnreachable("the host name could not be resolved")
        for address in addresses:  # every answer, so a mixed answer cannot slip through
            check_public(address, self.allow_networks)
        return addresses

    async def send_checked(
        self, client: httpx.AsyncClient, url: httpx.URL, method: str = "GET"
    ) -> httpx.Response:
        """One guarded request (rules 1–3 of the module docstring), streamed, not followed.

        For other users of the guard (the link status probe); the caller closes the response.
        """
        host = url.raw_host.decode("ascii")
        port = url.port or (443 if url.scheme == "https" else 80)
        addresses = await self._checked_addresses(host, port)
        return await self._connect(client, url, host, addresses, method)

    async def _connect(
        self,
        client: httpx.AsyncClient,
        url: httpx.URL,
        host: str,
        addresses: list[IPAddress],
        method: str = "GET",
    ) -> httpx.Response:
        extensions = {"sni_hostname": host} if url.scheme == "https" else {}
        headers = {"Host": url.netloc.decode("ascii")}
        for address in addresses:
            request = client.build_request(
                method, url.copy_with(host=str(address)), headers=headers, extensions=extensions
            )
            try:
                return await client.send(request, stream=True)
            except httpx.TimeoutException:
                raise FetchTimeout("the host did not answer in time") from None
            except httpx.ConnectError:
                log.debug("connect failed, trying the next address")
            except httpx.HTTPError:
                raise MediaError("the host could not be reached") from None
        raise HostUnreachable("the host could not be reached")

    async def _read_body(
        self, response: httpx.Response, *, html_allowed: bool
    ) -> tuple[bytes, MediaKind]:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise MediaTooLarge("the file is too large")
        decoder = _decoder_for(response.headers.get("content-encoding", ""))
        body = bytearray()
        kind: MediaKind | None = None
        limit = self.max_bytes
        async for raw in response.aiter_raw():
            body += decoder.decompress(raw, limit + 1 - len(body)) if decoder else raw
            if kind is None and len(body) >= SNIFF_BYTES:
                kind, limit = self._sniffed(bytes(body[:SNIFF_BYTES]), html_allowed)
            if len(body) > limit:
                if kind is MediaKind.HTML:
                    del body[limit:]
                    break
                raise MediaTooLarge("the file is too large")
        if kind is None:
            kind, limit = self._sniffed(bytes(body), html_allowed)
        return bytes(body), kind

    def _sniffed(self, head: bytes, html_allowed: bool) -> tuple[MediaKind, int]:
        kind = sniff(head)
        if kind is MediaKind.HTML and html_allowed:
            return kind, min(HTML_MAX_BYTES, self.max_bytes)
        if kind.is_image or kind.is_video:
            return kind, self.max_bytes
        raise NotAnImage("the link does not lead to an image")


class HostSlots:
    """At most ``limit`` concurrent holders per host; idle hosts are forgotten."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._hosts: dict[str, tuple[asyncio.Semaphore, list[int]]] = {}

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        """Hold one of ``host``'s slots for the duration of the block."""
        semaphore, users = self._hosts.setdefault(host, (asyncio.Semaphore(self.limit), [0]))
        users[0] += 1
        try:
            async with semaphore:
                yield
        finally:
            users[0] -= 1
            if users[0] == 0:
                del self._hosts[host]

    def __len__(self) -> int:
        return len(self._hosts)


class _Inflater:
    """Bounded gzip/deflate decoding: never inflates more than asked for."""

    def __init__(self, wbits: int) -> None:
        self._zlib = zlib.decompressobj(wbits)

    def decompress(self, data: bytes, max_length: int) -> bytes:
        try:
            return self._zlib.decompress(data, max(max_length, 1))
        except zlib.error:
            raise NotAnImage("the download is corrupt") from None


def _decoder_for(content_encoding: str) -> _Inflater | None:
    encoding = content_encoding.strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return _Inflater(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return _Inflater(zlib.MAX_WBITS)
    raise NotAnImage("the host used an unsupported content encoding")


def parse_fetch_url(url: str) -> httpx.URL:
    """``url`` checked by rule 1 of the module docstring (scheme, no credentials, a valid host)."""
    return _parse_url(url)


def _parse_url(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError):
        raise InvalidLink("the link is not a valid web address") from None
    if parsed.scheme not in ("http", "https"):
        raise InvalidLink("only http and https links can be fetched")
    if parsed.userinfo:
        raise InvalidLink("links with a user name or password are not fetched")
    if not parsed.raw_host:
        raise InvalidLink("the link has no valid host")
    parse_host(parsed.raw_host.decode("ascii"))
    return parsed.copy_with(fragment=None)
