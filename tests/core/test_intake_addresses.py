"""The address rule at intake, end to end: the wired app, the CLI, allow-listed networks.

Also: case codes typed with look-alike letters find their case in the real store.
"""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bots.bootstrap import App, build_app
from core.errors import InvalidLink
from core.model import IncomingReport, ReporterRef
from tests.conftest import make_settings

#: private or loopback addresses in other spellings, and malformed hosts and ports
REFUSED = {
    "http://127.1/": "loopback",
    "http://0177.0.0.1/": "loopback",
    "http://127.000.000.001/": "loopback",
    "http://10.1/": "private",
    "http://192.168.1/": "private",
    "http://[64:ff9b::7f00:1]/": "NAT64 loopback",
    "http://[2002:7f00:1::]/": "6to4 loopback",
    "https://example.com:99999/": "invalid port",
    "https://-bad-.com/": "no valid host",
    "https://xn--zz.com/": "invalid international domain name",
}
GOOD = "https://x.com/leaker/status/1234567890"


def fan(n: int) -> ReporterRef:
    return ReporterRef("test", f"fan-{n}")


async def test_private_spellings_are_refused_at_intake(app: App) -> None:
    result = await app.intake.submit(IncomingReport(fan(1), [*REFUSED, GOOD]))
    assert len(result.outcomes) == 1 and result.outcomes[0].new_case
    reasons = {r.item: r.reason for r in result.rejected}
    assert set(reasons) == set(REFUSED)
    for link, why in REFUSED.items():
        assert why in reasons[link], link


def _png() -> bytes:
    pixels = np.random.default_rng(7).integers(0, 255, (64, 64, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).resize((256, 256)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
async def loopback_server() -> AsyncIterator[int]:
    """An HTTP server on 127.0.0.1 that answers every request with a picture."""
    body = _png()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        head = f"Content-Type: image/png\r\nContent-Length: {len(body)}\r\n"
        head += "Connection: close\r\n\r\n"
        writer.write(b"HTTP/1.1 200 OK\r\n" + head.encode() + body)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    async with server:
        yield server.sockets[0].getsockname()[1]


async def test_allow_listed_loopback_links_work_end_to_end(
    sqlite_url: str, loopback_server: int
) -> None:
    settings = make_settings(sqlite_url, fetch_media=True, fetch_allow_networks="127.0.0.1/32")
    app = await build_app(settings)
    try:
        link = f"http://127.0.0.1:{loopback_server}/leak.png"
        others = [f"http://127.0.0.2:{loopback_server}/leak.png", "http://10.0.0.1/leak.png"]
        result = await app.intake.submit(IncomingReport(fan(1), [link, *others]))
        assert len(result.outcomes) == 1
        outcome = result.outcomes[0]
        assert outcome.new_case and outcome.media_error is None  # recorded and fetched
        assert sorted(r.item for r in result.rejected) == sorted(others)
        assert all("private" in r.reason for r in result.rejected)
        # another spelling of the same allowed address is the same link
        again = await app.intake.submit(
            IncomingReport(fan(2), [f"http://127.1:{loopback_server}/leak.png"])
        )
        assert again.outcomes[0].case_code == outcome.case_code
    finally:
        await app.close()


async def test_loopback_is_refused_without_the_allow_list(sqlite_url: str) -> None:
    app = await build_app(make_settings(sqlite_url))
    try:
        with pytest.raises(InvalidLink, match="private"):  # nothing recordable in the report
            await app.intake.submit(IncomingReport(fan(1), ["http://127.0.0.1:8080/a.png"]))
    finally:
        await app.close()


def test_cli_url_exits_2_with_one_line_per_refused_link(tmp_path: Path) -> None:
    env = {**os.environ, "LEAKDESK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"}
    result = subprocess.run(
        [sys.executable, "-m", "bots.cli", "url", "-"],
        input="".join(f"{link}\n" for link in REFUSED),
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == len(REFUSED)
    for line, why in zip(lines, REFUSED.values(), strict=True):
        assert line.startswith("leakdesk: ") and why in line


async def test_case_codes_typed_with_look_alike_letters_find_their_case(app: App) -> None:
    code = None
    for n in range(60):  # a code with a 0 or a 1 in it (about one in three has)
        result = await app.intake.submit(
            IncomingReport(fan(n), [f"https://x.com/a/status/{10_000 + n}"])
        )
        candidate = result.outcomes[0].case_code
        if "0" in candidate[3:] or "1" in candidate[3:]:
            code = candidate
            break
    assert code is not None
    typed = code[3:].replace("0", "O").replace("1", "l").lower()
    found = await app.cases.get_case(f"ld-{typed}")
    assert found is not None and found.code == code
    also = await app.cases.get_case("LD" + code[3:].replace("1", "I"))
    assert also is not None and also.code == code
