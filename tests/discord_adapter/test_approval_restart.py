"""Confirm and Approve in Discord survive restarts (persistent buttons); with two approvals
a bulk send waits for a second moderator, the first cannot approve their own."""

from __future__ import annotations

from pathlib import Path

import pytest
import simcord

from bots.bootstrap import App
from bots.discord import create_bot
from tests.discord_adapter.conftest import bot_messages, server, start_app
from tests.discord_adapter.test_escalation import buttons, confirmed_case, set_agent
from tests.escalation.smtp_server import SmtpServer

ON_TELEGRAM = "https://t.me/leakchannel/77"  # Telegram's abuse channel takes mail


@pytest.fixture(autouse=True)
def packets_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.mark.leakdesk_settings(escalation_approvals=2)
@pytest.mark.parametrize("db_url", ["sqlite", "postgres"], indirect=True)
async def test_confirm_and_approve_across_restarts(env: simcord.Env, app: App) -> None:
    s = await server(env)
    assert s.mod_channel is not None
    second = s.guild.add_member(env.create_user("second mod"), roles=[s.mod_role])
    await set_agent(app)
    code = await confirmed_case(s, env, ON_TELEGRAM)
    preview = await s.mod.slash(s.general, "escalate", platform="telegram")
    assert preview.response is not None and buttons(preview.response) == ["Confirm", "Cancel"]

    with SmtpServer() as smtp:
        restarted = []
        try:
            for _ in range(2):
                restarted.append(
                    await start_app(app.settings.model_copy(update={"smtp_url": smtp.url}))
                )
            await env.restart_bot(create_bot(restarted[0].settings, restarted[0], shard_count=1))
            confirmed = await s.mod.click(preview.response, label="Confirm")
            assert confirmed.response is not None
            assert "1 mail(s) wait for a second moderator's approval" in confirmed.response.content
            [request] = [
                m
                for m in bot_messages(s.mod_channel, env)
                if m.content.startswith("Approval needed")
            ]
            assert code not in request.content and ON_TELEGRAM not in request.content
            assert smtp.inbox.messages == []

            await env.restart_bot(create_bot(restarted[1].settings, restarted[1], shard_count=1))
            own = await s.mod.click(request, label="Approve")
            assert own.ephemeral and own.response is not None
            assert "second moderator" in own.response.content
            assert smtp.inbox.messages == []

            approved = await second.click(request, label="Approve")
            assert approved.response is not None and "Approved by" in approved.response.content
            assert "1 sent" in approved.response.content
            assert len(smtp.inbox.messages) == 1
            [row] = [r for r in await restarted[1].cases.audit_log(code) if r[1] == "approve_send"]
            assert row[0] == f"discord:{second.id}" and f"discord:{s.mod.id}" in (row[2] or "")
        finally:
            for extra in restarted:
                await extra.close()
