"""A fake RDAP server on loopback (RFC 9083 JSON; RFC 9224 bootstrap files), counting queries."""

from __future__ import annotations

import asyncio
import json
from typing import Any


def vcard(name: str, email: str | None = None, kind: str = "org") -> list[Any]:
    """A jCard (RFC 7095) as RDAP entities carry it."""
    props: list[list[Any]] = [
        ["version", {}, "text", "4.0"],
        ["fn", {}, "text", name],
        ["kind", {}, "text", kind],
    ]
    if email:
        props.append(["email", {"type": "work"}, "text", email])
        props.append(["tel", {"type": ["voice", "work"]}, "uri", "tel:+1.5555550100"])
    return ["vcard", props]


def domain_answer(name: str, registrar: str, abuse: str | None, base: str) -> dict[str, Any]:
    """A registry's answer for ``name``: the registrar, its abuse contact nested under it."""
    registrar_entity: dict[str, Any] = {
        "objectClassName": "entity",
        "handle": "9999",
        "roles": ["registrar"],
        "vcardArray": vcard(registrar),
        "publicIds": [{"type": "IANA Registrar ID", "identifier": "9999"}],
    }
    if abuse:
        registrar_entity["entities"] = [
            {
                "objectClassName": "entity",
                "handle": "9999-ABUSE",
                "roles": ["abuse"],
                "vcardArray": vcard("Abuse desk", abuse, kind="group"),
            }
        ]
    return {
        "rdapConformance": ["rdap_level_0", "icann_rdap_response_profile_0"],
        "objectClassName": "domain",
        "handle": f"D-{name.upper().replace('.', '-')}",
        "ldhName": name,
        "links": [{"rel": "self", "href": f"{base}domain/{name}", "value": base}],
        "status": ["active"],
        "events": [{"eventAction": "registration", "eventDate": "2024-01-02T03:04:05Z"}],
        "entities": [
            registrar_entity,
            {
                "objectClassName": "entity",
                "handle": "REDACTED",
                "roles": ["registrant"],
                "vcardArray": vcard("REDACTED FOR PRIVACY", "registrant@privacy.example"),
            },
        ],
    }


def ip_answer(
    start: str, end: str, name: str, holder: str, abuse: str | None, country: str
) -> dict[str, Any]:
    """An RIR's answer for an address: the network, its holder, the holder's abuse role."""
    holder_entity: dict[str, Any] = {
        "objectClassName": "entity",
        "handle": "ORG-EH1",
        "roles": ["registrant"],
        "vcardArray": vcard(holder, "noc@hosting.example"),
    }
    if abuse:
        holder_entity["entities"] = [
            {
                "objectClassName": "entity",
                "handle": "ABUSE-EH1",
                "roles": ["abuse"],
                "vcardArray": vcard("Abuse", abuse, kind="group"),
            }
        ]
    return {
        "rdapConformance": ["rdap_level_0"],
        "objectClassName": "ip network",
        "handle": f"NET-{start}",
        "startAddress": start,
        "endAddress": end,
        "ipVersion": "v6" if ":" in start else "v4",
        "name": name,
        "type": "ALLOCATED PA",
        "country": country,
        "entities": [holder_entity],
    }


class RdapServer:
    """Answers ``GET /domain/NAME``, ``GET /ip/ADDRESS`` and ``GET /bootstrap/FILE``.

    ``domains`` and ``addresses`` map a query to its JSON answer (anything else: 404);
    ``failing`` makes every query answer 503. ``queries`` lists the paths asked.
    """

    def __init__(self) -> None:
        self.domains: dict[str, dict[str, Any]] = {}
        self.addresses: dict[str, dict[str, Any]] = {}
        self.bootstrap: dict[str, dict[str, Any]] = {}
        self.failing = False
        self.queries: list[str] = []
        self.port = 0
        self._server: asyncio.Server | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def answer(self, path: str) -> tuple[int, Any]:
        kind, _, value = path.strip("/").partition("/")
        if kind == "bootstrap":
            return (200, self.bootstrap[value]) if value in self.bootstrap else (404, {})
        self.queries.append(path)
        if self.failing:
            return 503, {"errorCode": 503, "title": "unavailable"}
        table = {"domain": self.domains, "ip": self.addresses}.get(kind, {})
        if value in table:
            return 200, table[value]
        return 404, {"errorCode": 404, "title": "not found"}

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            return
        path = request.split(b" ", 2)[1].decode()
        status, data = self.answer(path)
        body = json.dumps(data).encode()
        head = (
            f"HTTP/1.1 {status} X\r\nContent-Type: application/rdap+json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        writer.write(head.encode() + body)
        await writer.drain()
        writer.close()

    async def __aenter__(self) -> RdapServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()


def hosts_resolver(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    """A resolver port answering from ``table`` (an unknown name fails as DNS would)."""

    async def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError(f"no such host: {host}")
        return table[host]

    return resolve


class ThreadedRdapServer:
    """An :class:`RdapServer` on its own event loop in a thread, for tests that block
    (a ``leakdesk`` subprocess)."""

    def __init__(self, server: RdapServer) -> None:
        self.server = server
        self._loop = asyncio.new_event_loop()
        self._thread: Any = None

    def __enter__(self) -> RdapServer:
        import threading

        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.server.__aenter__(), self._loop).result(10)
        return self.server

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.server.__aexit__(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
