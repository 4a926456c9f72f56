"""GuardedFetcher against a real HTTP server on 127.0.0.1 (the only address tests touch).

DNS is replaced by a fake resolver, and every request the fetcher sends passes through a
recording transport that refuses anything but loopback, so a guard bug cannot reach the
network.
"""

from __future__ import annotations

import asyncio
import gzip
import io
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from ipaddress import ip_address, ip_network

import httpx
import pytest
import pytest_asyncio
from PIL import Image

from core.errors import (
    FetchTimeout,
    InvalidLink,
    MediaError,
    MediaTooLarge,
    NotAnImage,
    RefusedAddress,
)
from core.media.fetcher import GuardedFetcher, default_transport
from core.media.sniff import MediaKind

pytestmark = pytest.mark.asyncio

LOOPBACK = (ip_network("127.0.0.1/32"),)

Handler = Callable[[str, dict[str, str], asyncio.StreamWriter], Awaitable[None]]


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


JPEG = _jpeg()


@dataclass
class Server:
    """A tiny HTTP/1.1 server: path → handler; counts connections and requests."""

    routes: dict[str, Handler] = field(default_factory=dict)
    connections: int = 0
    requests: list[tuple[str, str]] = field(default_factory=list)
    port: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            request_line = (await reader.readline()).decode()
            headers = {}
            while line := (await reader.readline()).decode().strip():
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            path = request_line.split(" ")[1]
            self.requests.append((path, headers.get("host", "")))
            handler = self.routes.get(path.split("?")[0], not_found)
            await handler(path, headers, writer)
        except (ConnectionError, IndexError):
            pass
        finally:
            writer.close()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


async def respond(
    writer: asyncio.StreamWriter,
    status: str,
    headers: dict[str, str],
    body: bytes = b"",
    length: bool = True,
) -> None:
    lines = [f"HTTP/1.1 {status}", "Connection: close"] + [f"{k}: {v}" for k, v in headers.items()]
    if length:
        lines.append(f"Content-Length: {len(body)}")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    await writer.drain()


async def not_found(path: str, headers: dict[str, str], writer: asyncio.StreamWriter) -> None:
    await respond(writer, "404 Not Found", {}, b"nope")


def body(data: bytes, content_type: str = "application/octet-stream", **extra: str) -> Handler:
    async def handler(path: str, headers: dict[str, str], writer: asyncio.StreamWriter) -> None:
        await respond(writer, "200 OK", {"Content-Type": content_type, **extra}, data)

    return handler


def redirect(location: str) -> Handler:
    async def handler(path: str, headers: dict[str, str], writer: asyncio.StreamWriter) -> None:
        await respond(writer, "302 Found", {"Location": location})

    return handler


@pytest_asyncio.fixture
async def server() -> AsyncIterator[Server]:
    state = Server()
    listener = await asyncio.start_server(state.handle, "127.0.0.1", 0)
    state.port = listener.sockets[0].getsockname()[1]
    async with listener:
        yield state
        listener.close()


class LoopbackOnly(httpx.AsyncBaseTransport):
    """Wraps the real transport; records targets and refuses any non-loopback one."""

    def __init__(self, seen: list[str]) -> None:
        self._inner = default_transport()
        self._seen = seen

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        self._seen.append(host)
        assert ip_address(host).is_loopback, f"test tried to leave loopback: {host}"
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def fake_dns(table: dict[str, Sequence[str]], calls: list[str] | None = None):  # type: ignore[no-untyped-def]
    async def resolve(host: str, port: int) -> Sequence[str]:
        if calls is not None:
            calls.append(host)
        if host not in table:
            raise OSError("no such host")
        return table[host]

    return resolve


def fetcher(seen: list[str], *, allow=LOOPBACK, dns=None, **options) -> GuardedFetcher:  # type: ignore[no-untyped-def]
    return GuardedFetcher(
        allow_networks=allow,
        resolver=dns or fake_dns({"images.test": ["127.0.0.1"]}),
        transport_factory=lambda: LoopbackOnly(seen),
        **options,
    )


async def test_fetches_an_image_by_name_connecting_to_the_checked_ip(server: Server) -> None:
    server.routes["/a.jpg"] = body(JPEG, "text/plain")  # the header lies; the bytes decide
    seen: list[str] = []
    result = await fetcher(seen).fetch_image(server.url("/a.jpg", "images.test"))
    assert result.data == JPEG and result.kind is MediaKind.JPEG
    assert seen == ["127.0.0.1"]
    assert server.requests == [("/a.jpg", f"images.test:{server.port}")]
    assert "data" not in repr(result) and "images.test" not in repr(result)


async def test_html_page_leads_to_its_og_image(server: Server) -> None:
    page = b'<html><head><meta property="og:image" content="/media/full.jpg"></head></html>'
    server.routes["/post/1"] = body(page, "text/html")
    server.routes["/media/full.jpg"] = body(JPEG)
    result = await fetcher([]).fetch_image(server.url("/post/1", "images.test"))
    assert result.data == JPEG
    assert result.page_url == server.url("/post/1", "images.test")
    assert result.final_url == server.url("/media/full.jpg", "images.test")


async def test_html_without_image_and_html_behind_html_are_not_images(server: Server) -> None:
    server.routes["/empty"] = body(b"<html><body>nothing</body></html>", "text/html")
    server.routes["/loop"] = body(b'<html><meta property="og:image" content="/empty">', "text/html")
    with pytest.raises(NotAnImage):
        await fetcher([]).fetch_image(server.url("/empty"))
    with pytest.raises(NotAnImage):
        await fetcher([]).fetch_image(server.url("/loop"))


async def test_five_redirects_are_followed_six_are_refused(server: Server) -> None:
    for hop in range(6):
        server.routes[f"/r{hop}"] = redirect(f"/r{hop + 1}")
    server.routes["/r6"] = body(JPEG)
    assert (await fetcher([]).fetch_image(server.url("/r1"))).data == JPEG  # r1..r6: 5 redirects
    server.requests.clear()
    with pytest.raises(MediaError, match="too many redirects"):
        await fetcher([]).fetch_image(server.url("/r0"))  # r0..r6: 6 redirects
    assert [path for path, _ in server.requests] == [f"/r{hop}" for hop in range(6)]


async def test_redirect_to_a_private_address_is_refused_before_connecting(server: Server) -> None:
    server.routes["/go"] = redirect("http://10.0.0.1/secret.jpg")
    seen: list[str] = []
    with pytest.raises(RefusedAddress):
        await fetcher(seen).fetch_image(server.url("/go"))
    assert seen == ["127.0.0.1"]


@pytest.mark.parametrize(
    "target",
    [
        "http://0x7f000001:{port}/a.jpg",
        "http://2130706433:{port}/a.jpg",
        "http://127.1:{port}/a.jpg",
        "http://[::ffff:127.0.0.1]:{port}/a.jpg",
        "http://169.254.169.254/latest/meta-data",
    ],
)
async def test_loopback_and_metadata_spellings_are_refused_without_allow_list(
    server: Server, target: str
) -> None:
    server.routes["/a.jpg"] = body(JPEG)
    seen: list[str] = []
    with pytest.raises(RefusedAddress):
        await fetcher(seen, allow=()).fetch_image(target.format(port=server.port))
    assert seen == [] and server.connections == 0


async def test_plain_loopback_url_is_refused_when_nothing_is_allowed(server: Server) -> None:
    server.routes["/a.jpg"] = body(JPEG)
    with pytest.raises(RefusedAddress):
        await GuardedFetcher().fetch_image(server.url("/a.jpg"))
    assert server.connections == 0


async def test_every_resolved_address_is_checked(server: Server) -> None:
    dns = fake_dns({"mixed.test": ["127.0.0.1", "10.1.2.3"]})
    seen: list[str] = []
    with pytest.raises(RefusedAddress):
        await fetcher(seen, dns=dns).fetch_image(server.url("/a.jpg", "mixed.test"))
    assert seen == []


async def test_dns_is_asked_once_per_hop_so_rebinding_cannot_redirect(server: Server) -> None:
    answers = iter([["127.0.0.1"], ["10.0.0.1"]])
    calls: list[str] = []

    async def rebinding(host: str, port: int) -> Sequence[str]:
        calls.append(host)
        return next(answers)

    server.routes["/a.jpg"] = body(JPEG)
    seen: list[str] = []
    result = await fetcher(seen, dns=rebinding).fetch_image(server.url("/a.jpg", "rebind.test"))
    assert result.data == JPEG and calls == ["rebind.test"] and seen == ["127.0.0.1"]


async def test_oversize_body_without_length_is_cut_off_early(server: Server) -> None:
    sent = 0

    async def endless(path: str, headers: dict[str, str], writer: asyncio.StreamWriter) -> None:
        nonlocal sent
        await respond(writer, "200 OK", {"Content-Type": "image/jpeg"}, JPEG[:600], length=False)
        try:
            for _ in range(2_000):
                writer.write(b"\0" * 65_536)
                await writer.drain()
                sent += 65_536
        except ConnectionError:
            pass

    server.routes["/huge.jpg"] = endless
    with pytest.raises(MediaTooLarge):
        await fetcher([], max_bytes=1_000_000).fetch_image(server.url("/huge.jpg"))
    assert sent < 20_000_000


async def test_declared_oversize_is_refused_at_once(server: Server) -> None:
    server.routes["/big.jpg"] = body(JPEG + b"\0" * 5_000)
    with pytest.raises(MediaTooLarge):
        await fetcher([], max_bytes=2_000).fetch_image(server.url("/big.jpg"))


async def test_slow_server_times_out(server: Server) -> None:
    async def silent(path: str, headers: dict[str, str], writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)

    async def trickle(path: str, headers: dict[str, str], writer: asyncio.StreamWriter) -> None:
        await respond(writer, "200 OK", {}, JPEG[:600], length=False)
        for _ in range(50):
            await asyncio.sleep(0.1)
            writer.write(b"\0")
            await writer.drain()

    server.routes["/silent"] = silent
    server.routes["/trickle"] = trickle
    with pytest.raises(FetchTimeout):
        await fetcher([], timeout=0.3, total_timeout=2.0).fetch_image(server.url("/silent"))
    with pytest.raises(FetchTimeout):  # each read is quick; the total deadline stops it
        await fetcher([], timeout=1.0, total_timeout=0.8).fetch_image(server.url("/trickle"))


async def test_non_images_and_errors_map_to_media_errors(server: Server) -> None:
    server.routes["/pdf"] = body(b"%PDF-1.7 " + b"x" * 1000, "image/jpeg")
    with pytest.raises(NotAnImage):
        await fetcher([]).fetch_image(server.url("/pdf"))
    with pytest.raises(MediaError, match="404"):
        await fetcher([]).fetch_image(server.url("/missing"))
    with pytest.raises(MediaError, match="resolved"):
        await fetcher([]).fetch_image(server.url("/a.jpg", "unknown.test"))


async def test_gzip_bodies_are_inflated_within_the_cap(server: Server) -> None:
    server.routes["/z.jpg"] = body(gzip.compress(JPEG), **{"Content-Encoding": "gzip"})
    server.routes["/bomb"] = body(gzip.compress(b"\0" * 5_000_000), **{"Content-Encoding": "gzip"})
    assert (await fetcher([]).fetch_image(server.url("/z.jpg"))).data == JPEG
    with pytest.raises((MediaTooLarge, NotAnImage)):
        await fetcher([], max_bytes=100_000).fetch_image(server.url("/bomb"))


@pytest.mark.parametrize(
    "url",
    [
        "ftp://images.test/a.jpg",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "http://user:pw@images.test/a",
        "http://",
        "not a url",
        "http://1.2.3.256/",
    ],
)
async def test_invalid_links(url: str) -> None:
    seen: list[str] = []
    with pytest.raises(InvalidLink):
        await fetcher(seen).fetch_image(url)
    assert seen == []


async def test_redirect_to_another_scheme_is_refused(server: Server) -> None:
    server.routes["/file"] = redirect("file:///etc/passwd")
    with pytest.raises(InvalidLink):
        await fetcher([]).fetch_image(server.url("/file"))


def gated(state: dict[str, int], release: asyncio.Event) -> Handler:
    """Counts requests in flight (and the most at once) until ``release`` is set."""

    async def handler(path: str, headers: dict[str, str], writer: asyncio.StreamWriter) -> None:
        state["now"] += 1
        state["most"] = max(state["most"], state["now"])
        try:
            await release.wait()
            await respond(writer, "200 OK", {"Content-Type": "image/jpeg"}, JPEG)
        finally:
            state["now"] -= 1

    return handler


async def _most_at_once(server: Server, urls: list[str], **options: int) -> int:
    state = {"now": 0, "most": 0}
    release = asyncio.Event()
    server.routes["/slow.jpg"] = gated(state, release)
    hosts = {f"h{n}.test": ["127.0.0.1"] for n in range(8)}
    guarded = fetcher([], dns=fake_dns(hosts), **options)
    fetches = [asyncio.create_task(guarded.fetch_image(url)) for url in urls]
    for _ in range(100):  # until every fetch that may start has reached the server
        await asyncio.sleep(0.02)
    release.set()
    results = await asyncio.gather(*fetches)
    assert all(result.data == JPEG for result in results)
    assert len(guarded._hosts) == 0  # idle hosts are forgotten
    return state["most"]


async def test_fetches_to_one_host_are_limited(server: Server) -> None:
    urls = [server.url("/slow.jpg", "h0.test")] * 6
    assert await _most_at_once(server, urls, per_host=2, concurrency=16) == 2


async def test_fetches_in_total_are_limited(server: Server) -> None:
    urls = [server.url("/slow.jpg", f"h{n}.test") for n in range(8)]
    assert await _most_at_once(server, urls, per_host=4, concurrency=3) == 3


async def test_a_crafted_page_is_searched_in_the_worker_pool(server: Server) -> None:
    """The 1 MB page that froze the event loop: only its head is read, in a worker."""
    from core.media.workers import MediaWorkers
    from core.media_matching import MediaMatcher

    server.routes["/crafted"] = body(("<html>" + "<a " * 350_000).encode(), "text/html")
    guarded = fetcher([])
    matcher = MediaMatcher(guarded, workers=MediaWorkers(1, timeout=10.0))
    assert guarded.page_parser == matcher.find_page_image
    try:
        with pytest.raises(NotAnImage, match="the page has no image"):
            await matcher.fetch_and_hash(server.url("/crafted", "images.test"))
        assert matcher.workers.started
    finally:
        await matcher.close()
