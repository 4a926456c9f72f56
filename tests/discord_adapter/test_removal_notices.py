"""Reporters' removal notices in Discord: the button after a report (surviving a restart),
and the DM once the case is down — sent once, without the link."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import simcord

from bots.bootstrap import App
from bots.discord import create_bot
from core.escalation.agent import AgentOfRecord
from core.model import Actor, ReporterRef
from tests.discord_adapter.conftest import CREATOR, LINK, server, start_app

CODE = re.compile(r"LD-[0-9A-Z]{6}")
ASK = "Tell me when it's down"
MODERATOR = Actor(ReporterRef("discord", "1"), is_moderator=True, creator=CREATOR)


def labels(message: simcord.ResponseMessage) -> list[str]:
    return [c["label"] for row in message.components for c in row.get("components", [])]


async def take_down(app: App, code: str, tmp_path: Path) -> None:
    """A moderator confirms and escalates the case; X removes the link."""
    await app.escalations.set_agent(
        AgentOfRecord(CREATOR, signer="Alice Example", email="alice@example.org", jurisdiction="US")
    )
    await app.moderation.act(MODERATOR, "confirm", code)
    await app.escalation.escalate(CREATOR, tmp_path / "out")
    ids = [e.id for e in await app.tracker.list(CREATOR) if e.recipient == "x-take-it-down"]
    await app.tracker.mark(ids, "sent", actor="test:mod")
    await app.tracker.mark(ids, "removed", actor="test:mod")


@pytest.mark.parametrize("db_url", ["sqlite", "postgres"], indirect=True)
async def test_button_survives_a_restart_and_the_notice_is_sent_once(
    env: simcord.Env, app: App, tmp_path: Path
) -> None:
    s = await server(env)
    reported = await s.fan.slash(s.general, "report", link=LINK)
    assert reported.response is not None
    assert labels(reported.response) == [ASK]
    code = CODE.search(reported.response.content).group(0)  # type: ignore[union-attr]

    app2 = await start_app(app.settings)  # a new process on the same database
    try:
        await env.restart_bot(create_bot(app2.settings, app2, shard_count=1))
        pressed = await s.fan.click(reported.response, label=ASK)
        assert pressed.ephemeral and pressed.response is not None
        assert f"I'll tell you here when {code} is down" in pressed.response.content

        await take_down(app2, code, tmp_path)
        await env.advance_time(app.settings.chat_notice_seconds + 1)
        [notice] = s.fan.user.dm_channel.history()
        assert code in notice.content and "down" in notice.content
        assert LINK not in notice.content and "x.com" not in notice.content
        await env.advance_time(app.settings.chat_notice_seconds * 3)
        assert len(list(s.fan.user.dm_channel.history())) == 1  # sent once
        assert await app2.chat_notices.states() == {"sent": 1}
    finally:
        await app2.close()


async def test_a_dm_report_asks_on_its_answer_and_a_stranger_cannot_follow_it(
    env: simcord.Env, app: App
) -> None:
    fan = env.create_user("dm fan")
    await fan.send_dm(f"please take this down {LINK}")
    answer = fan.dm_channel.last_message
    assert answer is not None and CODE.search(answer.content)
    assert ASK.lower() in answer.content.lower() or "hear when it's down" in answer.content
    stranger = env.create_user("stranger")
    # the stranger cannot reach the fan's DM; the core refuses a foreign report id anyway
    reply = await app.watch_handlers.opt_in(Actor(ReporterRef("discord", str(stranger.id))), 1)
    assert "can't follow" in reply.text  # type: ignore[union-attr]

    pressed = await fan.click(answer, label=ASK)
    assert pressed.response is not None and "I'll tell you here" in pressed.response.content
    assert await app.watches.open_watches(ReporterRef("discord", str(fan.id))) != []


async def test_an_anonymous_report_is_not_asked(env: simcord.Env, app: App) -> None:
    s = await server(env)
    reported = await s.fan.slash(s.general, "report", link=LINK, anonymous=True)
    assert reported.response is not None and CODE.search(reported.response.content)
    assert labels(reported.response) == [] and "when it's down" not in reported.response.content
