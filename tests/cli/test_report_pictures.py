"""``leakdesk report`` with picture fetching on (the default): it waits for its own pictures."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.cli.runner import leakdesk
from tests.hosts import HostServer
from tests.pictures import ORIGINAL, SHRUNK


@pytest.fixture
async def host() -> AsyncIterator[HostServer]:
    page = b'<html><head><meta property="og:image" content="/full.jpg"></head></html>'
    routes = {
        "/a.jpg": ("image/jpeg", ORIGINAL),
        "/post/7": ("text/html", page),
        "/full.jpg": ("image/jpeg", SHRUNK),
        "/broken.jpg": ("image/jpeg", ORIGINAL[:1500]),
    }
    async with HostServer(routes) as server:
        yield server


async def report(tmp_path: Path, db: str, *args: str) -> list[dict[str, object]]:
    done = await asyncio.to_thread(
        leakdesk,
        "report",
        *args,
        "--json",
        db=db,
        cwd=tmp_path,
        env={"LEAKDESK_FETCH_ALLOW_NETWORKS": "127.0.0.1/32", "LEAKDESK_FETCH_MEDIA": "true"},
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


async def test_report_waits_for_its_pictures_unless_told_not_to(
    tmp_path: Path, sqlite_url: str, host: HostServer
) -> None:
    [first] = await report(tmp_path, sqlite_url, f"http://127.0.0.1:{host.port}/a.jpg")
    assert first["new_case"] is True and first["media_error"] is None
    # another host's page showing a shrunk copy of the same photo joins the first case
    [mirror] = await report(tmp_path, sqlite_url, f"http://localhost:{host.port}/post/7")
    assert mirror["case_code"] == first["case_code"] and mirror["matched_by"] == "image"
    assert mirror["new_case"] is False and isinstance(mirror["distance"], int)
    [broken] = await report(tmp_path, sqlite_url, f"http://127.0.0.1:{host.port}/broken.jpg")
    assert broken["new_case"] is True and broken["media_error"]
    asked = len(host.requests)
    [queued] = await report(
        tmp_path, sqlite_url, f"http://127.0.0.1:{host.port}/full.jpg?copy=2", "--no-wait"
    )
    assert queued["new_case"] is True and queued["matched_by"] is None
    assert len(host.requests) == asked  # queued for a bot's picture pool, not fetched
