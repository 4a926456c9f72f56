"""``leakdesk doctor`` checks the bot's rights in each Discord moderator channel (simcord)."""

from __future__ import annotations

import discord
import simcord

from bots.bootstrap import App
from bots.doctor_channels import discord_findings
from db.venues import VenueConfig
from tests.discord_adapter.conftest import CREATOR, server

ALL_RIGHTS = discord.PermissionOverwrite(
    view_channel=True, send_messages=True, embed_links=True, manage_messages=True
)


async def test_a_private_channel_with_every_right_passes(env: simcord.Env, app: App) -> None:
    s = await server(env, bot_overwrite=ALL_RIGHTS)
    [finding] = discord_findings(env.bot, await app.venues.all())
    assert finding.level == "ok", finding
    assert "#leak-mods" in finding.text and "is private and the bot can post there" in finding.text
    assert s.mod_channel is not None and str(s.mod_channel.id) in finding.name


async def test_missing_rights_are_named_with_the_fix(env: simcord.Env, app: App) -> None:
    await server(
        env,
        bot_overwrite=discord.PermissionOverwrite(
            view_channel=True, send_messages=True, embed_links=False, manage_messages=False
        ),
    )
    [finding] = discord_findings(env.bot, await app.venues.all())
    assert finding.level == "fail"
    assert "the bot lacks Embed Links, Manage Messages in #leak-mods" in finding.text
    assert "Send Messages" not in finding.text
    assert "Embed Links, Manage Messages" in finding.fix


async def test_a_public_a_missing_channel_and_an_unknown_server_fail(
    env: simcord.Env, app: App
) -> None:
    s = await server(env, bot_overwrite=ALL_RIGHTS)
    guild_id = str(s.guild.id)
    # the binding later pointed at the public channel (as an old bug or a hand edit could)
    await app.venues.bind(
        VenueConfig("discord", guild_id, CREATOR, mod_channel_id=str(s.general.id),
                    is_mod_venue=True)
    )  # fmt: skip
    public = [VenueConfig("discord", guild_id, CREATOR, mod_channel_id=str(s.general.id))]
    [finding] = discord_findings(env.bot, public)
    assert finding.level == "fail" and "is visible to everyone" in finding.text
    assert "deny View Channel to @everyone" in finding.fix

    gone = [VenueConfig("discord", guild_id, CREATOR, mod_channel_id="424242")]
    [finding] = discord_findings(env.bot, gone)
    assert finding.level == "fail" and "no longer exists" in finding.text

    elsewhere = [VenueConfig("discord", "777", CREATOR, mod_channel_id="1")]
    [finding] = discord_findings(env.bot, elsewhere)
    assert finding.level == "fail" and "not in the Discord server 777" in finding.text

    not_moderators = [VenueConfig("discord", guild_id, CREATOR)]  # a fan server: no channel
    assert discord_findings(env.bot, not_moderators) == []
