"""`leakdesk import`: streamed, idempotent per reporter and link whatever the file, --no-fetch."""

from __future__ import annotations

import asyncio
import json
import os
import pty
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bots.bootstrap import build_app
from bots.cli.common import settings
from bots.cli.import_file import ImportLine, ImportReader
from bots.cli.importing import import_links, submission_id
from core.model import ReporterRef
from tests.cli.runner import leakdesk


def test_the_reader_streams_and_numbers_lines(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text(
        "# leaks seen this week\n\n" + "".join(f"https://e.com/{n}\n" for n in range(50_000))
    )
    reader = ImportReader(big)
    lines = iter(reader)
    assert next(lines) == ImportLine(3, "https://e.com/0")
    assert 0 < reader.bytes_read < reader.size // 10  # only the head of the file was read
    assert sum(1 for _ in lines) == 49_999 and reader.bytes_read == reader.size


def test_the_reader_takes_the_url_column_of_a_csv(tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.csv"
    sheet.write_bytes(
        "\ufeffseen,URL\r\n1,https://e.com/a\r\n"
        '"2, with a comma","https://e.com/b"\r\n'
        '"3\r\nspanning lines",https://e.com/c\r\n4,\r\n5,https://e.com/d\r\n'.encode()
    )
    assert list(ImportReader(sheet)) == [
        ImportLine(2, "https://e.com/a"),
        ImportLine(3, "https://e.com/b"),
        ImportLine(5, "https://e.com/c"),
        ImportLine(7, "https://e.com/d"),
    ]


def test_the_submission_id_follows_the_link_not_the_file() -> None:
    ann, bob = ReporterRef("cli", "ann"), ReporterRef("cli", "bob")
    key = "k" * 64
    assert submission_id("r1", "default", ann, key) == submission_id("r1", "default", ann, key)
    assert submission_id("r1", "default", ann, key) != submission_id("r1", "default", bob, key)
    assert submission_id("r1", "default", ann, key) != submission_id("r1", "other", ann, key)
    # another run is another submission: the store then says "already reported"
    assert submission_id("r1", "default", ann, key) != submission_id("r2", "default", ann, key)


def _reports(tmp_path: Path, db: str) -> int:
    listed = leakdesk("cases", "--status", "all", "--limit", "10000", "--json", db=db, cwd=tmp_path)
    return sum(json.loads(line)["reports"] for line in listed.stdout.splitlines())


def _counts(summary: str) -> dict[str, int]:
    found = re.fullmatch(
        r"imported (\d+) of (\d+) links: (\d+) new case\(s\), (\d+) joined, "
        r"(\d+) already imported, (\d+) invalid line\(s\)(: [\d, …]+)?",
        summary.strip(),
    )
    assert found, summary
    names = ("imported", "links", "new", "joined", "already", "invalid")
    return dict(zip(names, map(int, found.groups()[:6]), strict=True))


def test_reimporting_in_another_file_or_with_a_new_row_adds_only_the_new_row(
    tmp_path: Path, sqlite_url: str
) -> None:
    links = [f"https://example.com/leak/{n}" for n in range(40)]
    sheet = tmp_path / "links.csv"
    sheet.write_text("url,seen\n" + "".join(f"{link},{n}\n" for n, link in enumerate(links)))
    first = leakdesk("import", str(sheet), "--reporter", "ops", db=sqlite_url, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert _counts(first.stdout) == dict(
        imported=40, links=40, new=40, joined=0, already=0, invalid=0
    )
    assert _reports(tmp_path, sqlite_url) == 40

    with sheet.open("a") as more:
        more.write("https://example.com/leak/new,41\n")
    again = leakdesk("import", str(sheet), "--reporter", "ops", db=sqlite_url, cwd=tmp_path)
    counts = _counts(again.stdout)
    assert counts["new"] == 1 and counts["joined"] + counts["already"] == 40
    assert _reports(tmp_path, sqlite_url) == 41

    plain = tmp_path / "same.txt"  # the same links in disguise, in another format
    plain.write_text("".join(f"http://www.example.com/leak/{n}?utm_source=x\n" for n in range(40)))
    third = leakdesk("import", str(plain), "--reporter", "ops", db=sqlite_url, cwd=tmp_path)
    assert _counts(third.stdout)["new"] == 0
    assert _reports(tmp_path, sqlite_url) == 41

    other = leakdesk("import", str(plain), "--reporter", "kim", db=sqlite_url, cwd=tmp_path)
    assert _counts(other.stdout)["joined"] == 40  # another reporter corroborates
    assert _reports(tmp_path, sqlite_url) == 81


async def test_import_on_postgres(tmp_path: Path, postgres_url: str) -> None:
    plain = tmp_path / "links.txt"
    plain.write_text("".join(f"https://example.com/{n}\n" for n in range(300)))
    first = await asyncio.to_thread(leakdesk, "import", str(plain), db=postgres_url, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert _counts(first.stdout)["new"] == 300
    again = await asyncio.to_thread(leakdesk, "import", str(plain), db=postgres_url, cwd=tmp_path)
    assert _counts(again.stdout)["new"] == 0
    assert await asyncio.to_thread(_reports, tmp_path, postgres_url) == 300


@pytest.fixture
async def counting_server() -> AsyncIterator[tuple[int, list[str]]]:
    """A loopback web server that records every path asked for."""
    asked: list[str] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.readuntil(b"\r\n\r\n")
        asked.append(request.split(b" ", 2)[1].decode())
        writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    async with server:
        yield server.sockets[0].getsockname()[1], asked


async def loopback_resolver(host: str, port: int) -> list[str]:
    return ["127.0.0.1"]


async def test_an_import_queues_pictures_for_the_bots_and_no_fetch_skips_them(
    tmp_path: Path,
    sqlite_url: str,
    counting_server: tuple[int, list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The import never waits for other people's web servers: it commits the links, and
    a bot's picture pool fetches them later, except those imported with --no-fetch."""
    port, asked = counting_server
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEAKDESK_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("LEAKDESK_FETCH_MEDIA", "true")
    monkeypatch.setenv("LEAKDESK_FETCH_ALLOW_NETWORKS", "127.0.0.1/32")
    who = ReporterRef("cli", "ops")
    app = await build_app(settings(), rate_limited=False, resolver=loopback_resolver)
    try:
        for prefix, fetch in (("quiet", False), ("fetched", True)):
            links = tmp_path / f"{prefix}.txt"
            links.write_text("".join(f"http://{prefix}.example:{port}/{n}.jpg\n" for n in range(3)))
            tally = await import_links(
                app, ImportReader(links), "default", who, fetch_pictures=fetch
            )
            assert tally.new_cases == 3
        assert asked == []  # the import itself fetched nothing
        app.start_background()  # what a running bot does
        for _ in range(200):
            if len(asked) >= 3:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
    finally:
        await app.close()
    assert sorted(asked) == ["/0.jpg", "/1.jpg", "/2.jpg"]  # only the links without --no-fetch


def test_a_progress_bar_only_on_a_terminal(tmp_path: Path, sqlite_url: str) -> None:
    links = tmp_path / "links.txt"
    links.write_text("".join(f"https://example.com/{n}\n" for n in range(2000)))
    environment = {
        **os.environ,
        "LEAKDESK_DATABASE_URL": sqlite_url,
        "LEAKDESK_FETCH_MEDIA": "false",
        "TERM": "xterm",
        "COLUMNS": "100",
    }
    terminal, stderr_side = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "bots.cli", "import", str(links)],
        stdout=subprocess.PIPE,
        stderr=stderr_side,
        env=environment,
        cwd=tmp_path,
    )
    os.close(stderr_side)
    drawn = b""
    while True:
        try:
            chunk = os.read(terminal, 65536)
        except OSError:  # the process closed its end
            break
        if not chunk:
            break
        drawn += chunk
    out, _ = process.communicate(timeout=120)
    os.close(terminal)
    assert process.returncode == 0
    assert _counts(out.decode())["new"] == 2000
    screen = drawn.decode(errors="replace")
    assert "importing" in screen and "links" in screen and "%" in screen

    piped = leakdesk("import", str(links), db=sqlite_url, cwd=tmp_path)
    assert piped.returncode == 0 and piped.stderr == ""  # not a terminal: no bar
