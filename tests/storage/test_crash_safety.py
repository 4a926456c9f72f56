"""A bot killed with SIGKILL in the middle of a burst loses no acknowledged report.

The bot is the console adapter (``leakdesk chat``) in its own process, fed through a pipe:
it answers each line in order, and answers "Received" only after the commit.  The test
writes a burst of reports, kills the process once some have been acknowledged (hundreds
are still waiting in the pipe), then checks the database, restarts the bot with the whole
burst again, and checks that every report is there exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from db.engine import create_engine
from db.migrate import upgrade
from db.tables import cases_t, links_t, reports_t

BURST = 300
KILL_AFTER = 40
ACKS = ("Received:", "You already reported")


def links() -> list[str]:
    return [f"https://example.com/crash/{n}" for n in range(BURST)]


def start_chat(url: str, cwd: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "LEAKDESK_DATABASE_URL": url,
        "LEAKDESK_FETCH_MEDIA": "false",
        "LEAKDESK_RDAP_LOOKUPS": "false",
        "LEAKDESK_REPORT_RATE": "100000/minute",
        "LEAKDESK_LINK_RATE": "100000/minute",
        "USER": "crash-fan",
        "LOGNAME": "crash-fan",
    }
    env.pop("LEAKDESK_DEBUG", None)
    return subprocess.Popen(
        [sys.executable, "-m", "bots.cli", "chat"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=cwd,
    )


def acknowledgements(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith(ACKS)]


async def stored(url: str) -> tuple[dict[str, int], int, int]:
    """Reports per link URL, and the number of links and of cases."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            per_url = dict(
                (
                    await conn.execute(
                        select(links_t.c.url, func.count(reports_t.c.id))
                        .join(reports_t, reports_t.c.link_id == links_t.c.id)
                        .group_by(links_t.c.url)
                    )
                ).all()
            )
            n_links = (await conn.execute(select(func.count()).select_from(links_t))).scalar_one()
            n_cases = (await conn.execute(select(func.count()).select_from(cases_t))).scalar_one()
    finally:
        await engine.dispose()
    return per_url, n_links, n_cases


async def test_reports_acknowledged_before_a_sigkill_are_stored_once(
    database_url: str, tmp_path: Path
) -> None:
    await upgrade(database_url)
    burst = links()
    bot = start_chat(database_url, tmp_path)
    assert bot.stdin is not None and bot.stdout is not None
    bot.stdin.write("".join(f"{link}\n" for link in burst))
    bot.stdin.flush()
    seen: list[str] = []
    while len(acknowledgements(seen)) < KILL_AFTER:
        line = bot.stdout.readline()
        assert line, f"the bot stopped early: {bot.stderr.read() if bot.stderr else ''}"
        seen.append(line.rstrip("\n"))
    bot.send_signal(signal.SIGKILL)
    rest, errors = bot.communicate(timeout=30)
    assert bot.returncode == -signal.SIGKILL
    seen += rest.splitlines()
    acked = burst[: len(acknowledgements(seen))]  # the chat answers lines in order
    assert KILL_AFTER <= len(acked) < BURST, "the kill came in the middle of the burst"
    assert "Traceback" not in errors

    per_url, _, _ = await stored(database_url)
    for link in acked:
        assert per_url.get(link) == 1, link  # acknowledged, hence committed, once
    committed_unacked = len(per_url) - len(acked)
    assert committed_unacked in (0, 1)  # at most the one line in flight (answered in order)

    again = start_chat(database_url, tmp_path)
    out, errors = again.communicate("".join(f"{link}\n" for link in burst), timeout=300)
    assert again.returncode == 0, errors
    answers = acknowledgements(out.splitlines())
    assert len(answers) == BURST
    repeats = [a for a in answers if a.startswith("You already reported")]
    assert len(repeats) == len(per_url)  # what was committed before the kill is known
    per_url, n_links, n_cases = await stored(database_url)
    assert per_url == {link: 1 for link in burst}
    assert n_links == BURST and n_cases == BURST
