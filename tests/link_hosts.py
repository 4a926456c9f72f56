"""A loopback web server answering like hosts of reported links do, for recheck tests and bench.

Paths (the first segment decides, the rest is the item id):

* ``/alive/…`` 200 with a page; ``/gone404/…`` 404; ``/gone410/…`` 410;
* ``/slow/…`` 200 after ``slow_delay`` seconds;
* ``/removed-page/…`` 200 with a "this video has been removed" page;
* ``/redirect-removed/…`` 302 to ``/placeholder-removed`` (200: a platform's removal placeholder);
* ``/no-head/…`` 405 to HEAD, 200 to GET;
* ``/flaky/…`` 503 for the first ``flaky_failures`` requests of each path, then 200;
* ``/toggle/…`` 404 while the path is in ``gone``, else 200.

Every request may wait ``latency`` seconds. Requests in flight are counted per ``Host`` header,
and the highest count seen per host is kept (``peak``).
"""

from __future__ import annotations

import asyncio
from collections import Counter

ALIVE_PAGE = b"<!doctype html><html><head><title>a video</title></head><body>watch</body></html>"
REMOVED_PAGE = (
    b"<!doctype html><html><head><title>Oops</title></head>"
    b"<body><h1>This   video has been\n REMOVED by the uploader.</h1></body></html>"
)


class LinkHostServer:
    """See the module docstring."""

    def __init__(
        self,
        *,
        latency: float = 0.0,
        slow_delay: float = 1.0,
        flaky_failures: int = 1,
        host: str = "127.0.0.1",
    ) -> None:
        self.latency = latency
        self.slow_delay = slow_delay
        self.flaky_failures = flaky_failures
        self.bind = host
        self.gone: set[str] = set()
        self.requests: list[tuple[str, str, str]] = []  # (method, host, path)
        self.in_flight: Counter[str] = Counter()
        self.peak: Counter[str] = Counter()
        self.total_peak = 0
        self._hits: Counter[str] = Counter()
        self.port = 0
        self._server: asyncio.Server | None = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            return
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        host = next(
            (
                line.split(":", 1)[1].strip()
                for line in lines[1:]
                if line.lower().startswith("host:")
            ),
            "",
        ).split(":")[0]
        self.requests.append((method, host, path))
        self.in_flight[host] += 1
        self.peak[host] = max(self.peak[host], self.in_flight[host])
        self.total_peak = max(self.total_peak, sum(self.in_flight.values()))
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            status, headers, body = await self._answer(method, path)
            text = f"HTTP/1.1 {status}\r\n"
            headers = {"Content-Length": str(len(body)), "Connection": "close", **headers}
            text += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
            writer.write(text.encode() + (b"" if method == "HEAD" else body))
            await writer.drain()
        except ConnectionError:
            pass
        finally:
            self.in_flight[host] -= 1
            writer.close()

    async def _answer(self, method: str, path: str) -> tuple[str, dict[str, str], bytes]:
        kind = path.split("/")[1] if path.count("/") >= 1 else ""
        html = {"Content-Type": "text/html; charset=utf-8"}
        if kind == "alive" or kind == "placeholder-removed":
            return "200 OK", html, ALIVE_PAGE
        if kind == "gone404":
            return "404 Not Found", html, b"<html>not found</html>"
        if kind == "gone410":
            return "410 Gone", html, b"<html>gone</html>"
        if kind == "slow":
            await asyncio.sleep(self.slow_delay)
            return "200 OK", html, ALIVE_PAGE
        if kind == "removed-page":
            return "200 OK", html, REMOVED_PAGE
        if kind == "redirect-removed":
            return "302 Found", {"Location": "/placeholder-removed"}, b""
        if kind == "no-head":
            if method == "HEAD":
                return "405 Method Not Allowed", html, b""
            return "200 OK", html, ALIVE_PAGE
        if kind == "flaky":
            self._hits[path] += 1
            if self._hits[path] <= self.flaky_failures:
                return "503 Service Unavailable", html, b"busy"
            return "200 OK", html, ALIVE_PAGE
        if kind == "toggle":
            if path in self.gone:
                return "404 Not Found", html, b"<html>not found</html>"
            return "200 OK", html, ALIVE_PAGE
        return "404 Not Found", html, b"<html>not found</html>"

    async def __aenter__(self) -> LinkHostServer:
        self._server = await asyncio.start_server(self._handle, self.bind, 0, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()

    def url(self, host: str, path: str) -> str:
        """``http://host:port/path``."""
        return f"http://{host}:{self.port}{path}"


async def _serve(port_file: str, slow_delay: float) -> None:
    """Serve until killed; ``/__stats`` answers the per-host peaks as JSON."""
    import json
    import time

    server = LinkHostServer(slow_delay=slow_delay)
    answer = server._answer

    async def with_stats(method: str, path: str) -> tuple[str, dict[str, str], bytes]:
        if path == "/__stats":
            stats = {
                "peak": dict(server.peak),
                "requests": len(server.requests),
                "cpu": time.process_time(),
            }
            return "200 OK", {"Content-Type": "application/json"}, json.dumps(stats).encode()
        return await answer(method, path)

    server._answer = with_stats  # type: ignore[method-assign]
    async with server:
        with open(port_file, "w", encoding="ascii") as out:
            out.write(str(server.port))
        await asyncio.Event().wait()


if __name__ == "__main__":  # python -m tests.link_hosts PORT_FILE [SLOW_DELAY]: for benchmarks
    import sys

    asyncio.run(_serve(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 1.0))
