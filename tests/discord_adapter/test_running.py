"""Building and running the bot: offline construction, intents, token errors, error replies."""

from __future__ import annotations

import discord
import pytest
import simcord
from sqlalchemy import text

from bots.bootstrap import App
from bots.discord import LeakdeskBot, bot_intents, create_bot, run
from tests.conftest import make_settings
from tests.discord_adapter.conftest import server


def test_intents_are_minimal_and_not_privileged() -> None:
    intents = bot_intents()

    assert intents.guilds and intents.dm_messages
    assert not (intents.message_content or intents.members or intents.presences)
    assert not intents.guild_messages


async def test_create_bot_builds_without_connecting(sqlite_url: str) -> None:
    bot = create_bot(make_settings(sqlite_url), shard_count=1)

    assert isinstance(bot, discord.AutoShardedClient)
    assert bot.intents == bot_intents()
    assert not bot.is_ready() and bot.user is None
    with pytest.raises(RuntimeError):
        bot.app  # noqa: B018 - built in setup_hook, not before


def test_run_without_a_token_is_one_clear_error(sqlite_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    code = run(make_settings(sqlite_url, discord_token=None))

    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and "LEAKDESK_DISCORD_TOKEN" in err[0]


def test_run_with_a_rejected_token_is_one_clear_error(
    sqlite_url: str,
    capsys,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    async def refuse(self: LeakdeskBot, token: str, *, reconnect: bool = True) -> None:
        raise discord.LoginFailure("Improper token has been passed.")

    monkeypatch.setattr(LeakdeskBot, "start", refuse)  # Discord's answer, without the network

    code = run(make_settings(sqlite_url, discord_token="not-a-token"))

    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and "rejected the bot token" in err[0]


async def test_an_unexpected_failure_gets_a_short_private_apology(
    env: simcord.Env, app: App
) -> None:
    s = await server(env)
    async with app.engine.begin() as conn:
        await conn.execute(text("DROP TABLE venues"))

    result = await s.fan.slash(s.general, "status", code="LD-000000")

    assert result.ephemeral and result.response is not None
    assert result.response.content.startswith("Sorry, something went wrong")
    assert "Traceback" not in result.response.content
    [error] = env.errors  # logged and shown to the test, never to the user
    assert isinstance(error, discord.app_commands.CommandInvokeError)
