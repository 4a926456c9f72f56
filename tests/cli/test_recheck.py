"""``leakdesk recheck``: the command's contract, as a real process against loopback hosts."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from bots.bootstrap import build_app
from tests.cli.runner import leakdesk, one_error_line
from tests.conftest import make_settings
from tests.escalation.recheck_setup import HOST_CHANNEL, escalate_links, platforms_file
from tests.link_hosts import LinkHostServer

LOOPBACK = "127.0.0.0/8"


async def test_recheck_json_counts_and_marks(database_url: str, tmp_path: Path) -> None:
    platforms = platforms_file(tmp_path, host="127.0.0.1")
    env = {
        "LEAKDESK_FETCH_ALLOW_NETWORKS": LOOPBACK,
        "LEAKDESK_PLATFORMS_FILE": str(platforms),
        "LEAKDESK_RECHECK_RETRY_BASE": "0.01",
    }
    async with LinkHostServer() as server:
        gone = server.url("127.0.0.1", "/gone404/1")
        removed_page = server.url("127.0.0.1", "/removed-page/2")
        alive = server.url("127.0.0.1", "/alive/3")
        app = await build_app(
            make_settings(
                database_url, platforms_file=str(platforms), fetch_allow_networks=LOOPBACK
            ),
            rate_limited=False,
        )
        try:
            await escalate_links(app, [gone, removed_page, alive], tmp_path / "out")
        finally:
            await app.close()

        def run(*args: str):  # type: ignore[no-untyped-def]
            return asyncio.to_thread(leakdesk, *args, db=database_url, cwd=tmp_path, env=env)

        other = await run("recheck", "--creator", "nobody", "--json")
        assert other.returncode == 0, other.stderr
        assert json.loads(other.stdout) == {"checked": 0, "removed": 0, "alive": 0, "errors": 0}
        assert server.requests == []

        done = await run("recheck", "--json")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == {"checked": 3, "removed": 2, "alive": 1, "errors": 0}

        listed = await run("escalations", "--json")
        assert listed.returncode == 0, listed.stderr
        states = {
            line["urls"][0]: line["status"]
            for line in map(json.loads, listed.stdout.splitlines())
            if line["recipient"] == HOST_CHANNEL
        }
        assert states == {gone: "removed", removed_page: "removed", alive: "sent"}

        text = await run("recheck")
        assert text.returncode == 0, text.stderr
        assert text.stdout.startswith("checked 3 link(s): 2 removed, 1 alive")
        assert "0 request(s) marked removed, 0 reopened" in text.stdout

        bad = await run("recheck", "--bogus")
        assert bad.returncode == 2
        assert "--bogus" in one_error_line(bad)
