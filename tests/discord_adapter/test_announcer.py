"""Case cards: one per case and moderator channel, edited in place, robust to Discord errors."""

from __future__ import annotations

import re

import discord
import pytest
import simcord

from bots.bootstrap import App
from tests.discord_adapter.conftest import (
    CREATOR,
    LINK,
    SAME_LINK_OTHER_SPELLING,
    bot_messages,
    case_posts,
    field,
    server,
)

CODE = re.compile(r"LD-[0-9A-Z]{6}")


@pytest.mark.parametrize("db_url", ["sqlite", "postgres"], indirect=True)
async def test_two_servers_of_one_creator_share_one_case(env: simcord.Env, app: App) -> None:
    main = await server(env, "Alice main")
    fans = await server(env, "Alice fan club", mod_channel=False)

    first = await main.fan.slash(main.general, "report", link=LINK)
    second = await fans.fan.slash(fans.general, "report", link=SAME_LINK_OTHER_SPELLING)

    assert first.response is not None and second.response is not None
    [code] = CODE.findall(first.response.content)
    assert CODE.findall(second.response.content) == [code]
    assert "1 other person reported it too" in second.response.content
    case = await app.cases.get_case(code)
    assert case is not None and case.creator == CREATOR and case.reporters == 2
    [card] = case_posts(main, env, code)  # announced once, then edited
    assert field(card.embeds[0], "Reporters") == "2 (2 report(s))"
    assert bot_messages(fans.general, env) == [] and bot_messages(main.general, env) == []
    assert len(await app.venues.posts(case.id, "discord")) == 1


async def test_a_failed_post_is_retried_on_the_next_event(env: simcord.Env, app: App) -> None:
    s = await server(env)
    env.inject_error("POST", "/channels/*/messages", status=500)

    first = await s.fan.slash(s.general, "report", link=LINK)

    assert first.response is not None
    [code] = CODE.findall(first.response.content)  # the fan still got their answer
    assert case_posts(s, env, code) == []
    other = s.guild.add_member(env.create_user("other fan"))
    await other.slash(s.general, "report", link=LINK)
    [card] = case_posts(s, env, code)
    assert field(card.embeds[0], "Reporters") == "2 (2 report(s))"


async def test_an_unreachable_mod_channel_is_told_to_the_admin_once(
    env: simcord.Env, app: App
) -> None:
    s = await server(
        env, bot_overwrite=discord.PermissionOverwrite(view_channel=True, send_messages=False)
    )

    codes = []
    for n in range(3):
        result = await s.fan.slash(s.general, "report", link=f"https://x.com/a/status/{n + 1}")
        assert result.response is not None and result.ephemeral
        codes += CODE.findall(result.response.content)

    assert len(set(codes)) == 3
    assert s.mod_channel is not None and bot_messages(s.mod_channel, env) == []
    told = [m for m in s.admin.user.dm_channel.history() if "moderator channel" in m.content]
    assert len(told) == 1
    assert all(c not in told[0].content for c in codes)


@pytest.mark.leakdesk_settings(auto_approve_venues=False)
async def test_no_case_reaches_a_moderator_channel_before_the_operator_approves(
    env: simcord.Env, app: App
) -> None:
    await app.creators.create(CREATOR)  # the operator's `leakdesk creator add alice`
    s = await server(env)
    assert s.setup_result.response is not None
    assert f"leakdesk venues approve discord {s.guild.id}" in s.setup_result.response.content

    first = await s.fan.slash(s.general, "report", link=LINK)
    assert first.response is not None
    [code] = CODE.findall(first.response.content)
    assert case_posts(s, env, code) == []  # no link shown in an unapproved place

    await app.venues.set_approved("discord", str(s.guild.id), True)
    other = s.guild.add_member(env.create_user("second fan"))
    await other.slash(s.general, "report", link=SAME_LINK_OTHER_SPELLING)
    [card] = case_posts(s, env, code)
    assert field(card.embeds[0], "Reporters") == "2 (2 report(s))"
