"""Moderator rights: @everyone is never a moderator role, links only in a private channel."""

from __future__ import annotations

import re

import discord
import pytest
import simcord

from bots.bootstrap import App
from bots.discord.privacy import channel_is_private
from db.venues import VenueConfig
from tests.discord_adapter.conftest import (
    CREATOR,
    LINK,
    SHOWN_LINK,
    bot_messages,
    case_posts,
    server,
)

CODE = re.compile(r"LD-[0-9A-Z]{6}")


async def test_setup_refuses_everyone_as_the_moderator_role(env: simcord.Env, app: App) -> None:
    s = await server(env)
    before = await app.venues.get("discord", str(s.guild.id))
    everyone = s.guild.default_role

    result = await s.admin.slash(
        s.general, "leakdesk setup", creator=CREATOR, mod_channel=s.mod_channel, mod_role=everyone
    )

    assert result.ephemeral and result.response is not None
    assert "cannot be @everyone" in result.response.content
    assert await app.venues.get("discord", str(s.guild.id)) == before


async def test_a_binding_with_everyone_as_role_makes_no_member_a_moderator(
    env: simcord.Env, app: App
) -> None:
    s = await server(env)
    assert s.mod_channel is not None
    guild_id = str(s.guild.id)  # @everyone's role id is the server's id
    await app.venues.bind(
        VenueConfig("discord", guild_id, CREATOR, str(s.mod_channel.id), mod_role_id=guild_id)
    )
    await s.fan.slash(s.general, "report", link=LINK)

    result = await s.fan.slash(s.general, "queue")

    assert result.response is not None and not result.response.embeds
    assert LINK not in result.response.content and SHOWN_LINK not in result.response.content


async def test_a_moderator_channel_made_public_gets_no_card_and_the_admin_is_told(
    env: simcord.Env, app: App
) -> None:
    s = await server(env)
    assert s.mod_channel is not None
    channel = env.bot.get_channel(s.mod_channel.id)
    assert isinstance(channel, discord.TextChannel)
    # an admin opens the channel to everyone after setup
    await channel.set_permissions(channel.guild.default_role, view_channel=True)
    await env.settle()

    result = await s.fan.slash(s.general, "report", link=LINK)

    assert result.response is not None
    [code] = CODE.findall(result.response.content)  # the report itself is recorded
    assert await app.cases.get_case(code) is not None
    assert bot_messages(s.mod_channel, env) == []
    told = [m for m in s.admin.user.dm_channel.history() if "everyone in the server" in m.content]
    assert len(told) == 1 and code not in told[0].content
    assert LINK not in told[0].content and SHOWN_LINK not in told[0].content

    # hidden again: the next event posts the card
    await channel.set_permissions(channel.guild.default_role, view_channel=False)
    await env.settle()
    other = s.guild.add_member(env.create_user("other fan"))
    await other.slash(s.general, "report", link=LINK)
    [card] = case_posts(s, env, code)
    assert f"`{SHOWN_LINK}`" in (card.embeds[0].description or "")


async def test_privacy_is_checked_over_rest_when_the_guild_is_not_cached_here(
    env: simcord.Env, app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = await server(env)
    assert s.mod_channel is not None
    channel = env.bot.get_channel(s.mod_channel.id)
    assert isinstance(channel, discord.TextChannel)
    monkeypatch.setattr(env.bot, "get_guild", lambda guild_id: None)  # another shard's server

    assert await channel_is_private(env.bot, s.guild.id, s.mod_channel.id) is True
    assert await channel_is_private(env.bot, s.guild.id, s.general.id) is False
    await channel.set_permissions(channel.guild.default_role, view_channel=True)
    await env.settle()
    assert await channel_is_private(env.bot, s.guild.id, s.mod_channel.id) is False
    assert await channel_is_private(env.bot, s.guild.id, 424242) is None


async def test_a_hostile_link_reaches_the_card_inert_and_pings_nobody(
    env: simcord.Env, app: App
) -> None:
    s = await server(env)
    hostile = f"https://e.com/a||x||<@&{s.mod_role.id}>*b*\u202egpj.exe"

    result = await s.fan.slash(s.general, "report", link=hostile)

    assert result.response is not None
    [code] = CODE.findall(result.response.content)
    [card] = case_posts(s, env, code)
    [line] = [x for x in (card.embeds[0].description or "").splitlines() if x.startswith("1. ")]
    assert line.startswith("1. `https://e.com/") and line.endswith("`") and line.count("`") == 2
    assert "<U+202E>" not in line  # canonical form: percent-escaped
    assert "\u202e" not in line and "<@&" not in line and "||" not in line
    posts = [r for r in env.http_requests if r.method == "POST" and r.path.endswith("/messages")]
    assert posts and all(r.json["allowed_mentions"] == {"parse": []} for r in posts)


async def test_a_deleted_moderator_channel_is_told_to_the_admin(env: simcord.Env, app: App) -> None:
    s = await server(env)
    assert s.mod_channel is not None
    channel = env.bot.get_channel(s.mod_channel.id)
    assert isinstance(channel, discord.TextChannel)
    await channel.delete()
    await env.settle()

    for n in range(2):
        result = await s.fan.slash(s.general, "report", link=f"https://x.com/a/status/{n + 1}")
        assert result.response is not None and CODE.findall(result.response.content)

    told = [m for m in s.admin.user.dm_channel.history() if "moderator channel" in m.content]
    assert len(told) == 1 and "missing" in told[0].content
