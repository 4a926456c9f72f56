"""A web server on loopback with fixed pages, for tests that fetch the pictures behind links."""

from __future__ import annotations

import asyncio


class HostServer:
    """A loopback web server with fixed pages; ``/hang`` never answers. Counts requests."""

    def __init__(self, routes: dict[str, tuple[str, bytes]]) -> None:
        self.routes = routes
        self.requests: list[str] = []
        self.port = 0
        self._server: asyncio.Server | None = None
        self._hanging: list[asyncio.StreamWriter] = []

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.readuntil(b"\r\n\r\n")
        path = request.split(b" ", 2)[1].decode()
        self.requests.append(path)
        if path == "/hang":
            self._hanging.append(writer)
            return
        kind, body = self.routes.get(path, ("text/plain", b"not found"))
        status = b"200 OK" if path in self.routes else b"404 Not Found"
        head = f"Content-Type: {kind}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        writer.write(b"HTTP/1.1 " + status + b"\r\n" + head.encode() + body)
        await writer.drain()
        writer.close()

    async def __aenter__(self) -> HostServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        for writer in self._hanging:
            writer.close()
        assert self._server is not None
        self._server.close()

    def url(self, host: str, path: str) -> str:
        return f"http://{host}:{self.port}{path}"
