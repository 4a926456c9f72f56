"""`leakdesk chat`: the console adapter end to end, through the real process."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from tests.cli.runner import console_chat

LINK = "https://x.com/leaker/status/1234567890?s=20"
SHOWN_LINK = "https://x.com/i/status/1234567890"  # the canonical form moderators see


def chat(lines: list[str], tmp_path: Path, user: str) -> str:
    db = f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"
    return console_chat(lines, db=db, cwd=tmp_path, user=user)


def test_fan_reports_and_moderator_works_the_queue(tmp_path: Path) -> None:
    fan = chat(
        [f"look at this {LINK}", "http://127.0.0.1/admin", "/privacy", LINK], tmp_path, "fan1"
    )
    code = re.search(r"case (LD-[0-9A-Z]{6})", fan).group(1)  # type: ignore[union-attr]
    assert LINK not in fan and "x.com" not in fan  # a fan's replies never repeat the link
    assert "private address" in fan
    assert "never the pictures" in fan
    assert "Sent to the moderators of default." in fan  # the receipt names the creator
    # the same link again: "you already reported it", and nothing new went to the moderators
    assert "already reported" in fan
    assert fan.count("Sent to the moderators") == 1

    other = chat(
        ["/anon", "https://twitter.com/x/status/1234567890", f"/status {code.lower()}"],
        tmp_path,
        "fan2",
    )
    assert f"case {code} (1 other person reported it too)" in other
    assert f"Case {code}: received, waiting for review (2 reporter(s))" in other

    mod = chat(
        [
            "/queue",
            "/mod",
            "/queue",
            f"/claim {code}",
            f"/dismiss {code} not the creator",
            f"/status {code}",
        ],
        tmp_path,
        "mod1",
    )
    before, after = mod.split("moderator mode for creator", 1)
    assert "only the creator's moderators" in before
    assert SHOWN_LINK in after and f"{code} [open] 2 reporter(s)" in after
    assert f"dismissed: {code} [dismissed]" in after and "reason: not the creator" in after
    assert "closed after review" in after


async def test_with_the_default_picture_fetching_a_mirror_joins_the_case(tmp_path: Path) -> None:
    """The user's default (fetching on), against web servers on loopback: the console's
    picture pool fetches what the fan reported and the mirror ends in the first case."""
    import asyncio
    import sqlite3

    from tests.hosts import HostServer
    from tests.pictures import ORIGINAL, SHRUNK

    page = b'<html><head><meta property="og:image" content="/full.jpg"></head></html>'
    routes = {
        "/a.jpg": ("image/jpeg", ORIGINAL),
        "/post/7": ("text/html", page),
        "/full.jpg": ("image/jpeg", SHRUNK),
    }
    db = tmp_path / "c.db"
    env = {
        **os.environ,
        "LEAKDESK_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        "LEAKDESK_FETCH_ALLOW_NETWORKS": "127.0.0.1/32",
        "USER": "fan",
        "LOGNAME": "fan",
    }
    env.pop("LEAKDESK_FETCH_MEDIA", None)  # the default: on

    def done_jobs() -> int:
        with sqlite3.connect(db) as conn:
            try:
                return conn.execute(
                    "SELECT count(*) FROM media_jobs WHERE state='done'"
                ).fetchone()[0]
            except sqlite3.OperationalError:
                return 0

    async with HostServer(routes) as host:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bots.cli",
            "chat",
            env=env,
            cwd=tmp_path,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert process.stdin is not None
        process.stdin.write(f"http://127.0.0.1:{host.port}/a.jpg\n".encode())
        process.stdin.write(f"http://localhost:{host.port}/post/7\n".encode())
        await process.stdin.drain()
        for _ in range(600):  # the pool works after the fan was answered: wait for it
            if done_jobs() >= 2:
                break
            await asyncio.sleep(0.05)
        process.stdin.write(b"/mod\n/queue\n")
        process.stdin.close()
        out, err = await asyncio.wait_for(process.communicate(), 120)
    text = out.decode()
    assert process.returncode == 0 and "Traceback" not in text + err.decode()
    assert done_jobs() == 2 and "/full.jpg" in host.requests
    codes = re.findall(r"case (LD-[0-9A-Z]{6})", text)
    assert len(codes) == 2 and codes[0] != codes[1]  # each answered at once, on its own link
    queue = text.split("Queue (", 1)[1]
    # whichever picture was fetched first keeps its case; the other merged into it
    assert [code in queue for code in codes].count(True) == 1 and "+1 more link(s)" in queue
