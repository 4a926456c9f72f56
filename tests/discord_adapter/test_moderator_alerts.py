"""Overdue escalations and the daily digest in the Discord moderator channel: posted by the
running bot's loop, once, even after a restart (a second process on the same database)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import simcord
from sqlalchemy import update

from bots.bootstrap import App
from bots.discord import create_bot
from core.escalation.agent import AgentOfRecord
from core.model import Actor, ReporterRef
from db.tables import escalations_t
from tests.discord_adapter.conftest import CREATOR, LINK, bot_messages, server, start_app

CODE = re.compile(r"LD-[0-9A-Z]{6}")
MODERATOR = Actor(ReporterRef("discord", "1"), is_moderator=True, creator=CREATOR)


async def overdue(app: App, code: str, tmp_path: Path) -> None:
    await app.escalations.set_agent(
        AgentOfRecord(CREATOR, signer="Alice Example", email="alice@example.org", jurisdiction="US")
    )
    await app.moderation.act(MODERATOR, "confirm", code)
    await app.escalation.escalate(CREATOR, tmp_path / "out")
    await app.tracker.mark([e.id for e in await app.tracker.list()], "sent", actor="test:mod")
    async with app.engine.begin() as conn:
        await conn.execute(
            update(escalations_t)
            .where(escalations_t.c.recipient == "x-take-it-down")
            .values(deadline_at=datetime.now(UTC) - timedelta(hours=1))
        )


@pytest.mark.leakdesk_settings(moderator_alert_seconds=60)
@pytest.mark.parametrize("db_url", ["sqlite", "postgres"], indirect=True)
async def test_overdue_alert_and_digest_once_across_a_restart(
    env: simcord.Env, app: App, tmp_path: Path
) -> None:
    s = await server(env)
    assert s.mod_channel is not None
    reported = await s.fan.slash(s.general, "report", link=LINK)
    code = CODE.search(reported.response.content).group(0)  # type: ignore[union-attr]
    await overdue(app, code, tmp_path)

    def texts() -> list[str]:
        assert s.mod_channel is not None
        return [m.content for m in bot_messages(s.mod_channel, env) if m.content]

    await env.advance_time(61)
    alerts = texts()
    assert len(alerts) == 2
    assert alerts[0].startswith("Overdue removal requests") and code in alerts[0]
    assert alerts[1].startswith("Daily escalation digest") and "1 overdue" in alerts[1]
    assert not any(LINK in t or "x.com/" in t for t in alerts)
    assert not [m for m in s.general.history() if "Overdue" in m.content]  # never public

    app2 = await start_app(app.settings)
    try:
        await env.restart_bot(create_bot(app2.settings, app2, shard_count=1))
        await env.advance_time(61 * 3)
        assert texts() == alerts  # nothing sent twice
    finally:
        await app2.close()
