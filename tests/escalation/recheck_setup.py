"""Escalated cases whose links live on loopback hosts, for the recheck tests and benchmark."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from sqlalchemy import update

from bots.bootstrap import App
from core.escalation.agent import AgentOfRecord
from core.model import Actor, IncomingReport, ReporterRef
from db.tables import cases_t

MODERATOR = Actor(ReporterRef("test", "mod"), is_moderator=True, creator="default")
HOST_CHANNEL = "tube-form"


def tube_platform(host: str = "tube.test") -> str:
    """A platform owning ``host`` (and its subdomains), a form channel and a removal marker."""
    return f"""
[[platform]]
id = "tube"
name = "Tube"
canonical_host = "{host}"
hosts = ["{host}"]

[[channel]]
id = "{HOST_CHANNEL}"
platform = "tube"
name = "Tube removal form"
kind = "form"
url = "https://tube.example/report"
notices = ["take_it_down"]
max_urls = 1
fields = ["full_name", "email", "content_urls", "statement", "signature"]
checked = "2026-11-28"
source = "test"
verified = true

[[removal]]
platform = "tube"
final_urls = ['/placeholder-removed$']
"""


def platforms_file(folder: Path, host: str = "tube.test") -> Path:
    """The built-in registry plus :func:`tube_platform`, as an operator's platforms file."""
    text = resources.files("core.urls").joinpath("platforms.toml").read_text("utf-8")
    path = folder / "platforms.toml"
    path.write_text(text + tube_platform(host), "utf-8")
    return path


async def escalate_links(
    app: App, urls: Sequence[str], out: Path, *, concurrency: int = 32, bulk_confirm: bool = False
) -> dict[str, str]:
    """Report each URL (its own case), confirm, escalate and mark the host requests sent.

    Returns the case code of each URL. ``bulk_confirm``: one UPDATE instead of a moderator's
    confirmation per case (benchmarks).
    """
    await app.escalations.set_agent(
        AgentOfRecord("default", signer="Ava", email="ava@example.org", jurisdiction="US")
    )
    codes: dict[str, str] = {}
    queue = list(urls)

    async def report() -> None:
        while queue:
            url = queue.pop()
            result = await app.intake.submit(IncomingReport(ReporterRef("test", "fan"), [url]))
            codes[url] = result.outcomes[0].case_code  # type: ignore[assignment]

    await asyncio.gather(*(report() for _ in range(concurrency)))
    if bulk_confirm:
        async with app.engine.begin() as conn:
            await conn.execute(update(cases_t).values(status="confirmed"))
    for code in set(codes.values()) if not bulk_confirm else ():
        await app.moderation.act(MODERATOR, "confirm", code)
    await app.escalation.escalate("default", out)
    host_ids = [e.id for e in await app.tracker.list() if e.recipient == HOST_CHANNEL]
    assert len(host_ids) == len(set(codes.values()))
    await app.tracker.mark(host_ids, "sent", actor="test:mod")
    return codes
