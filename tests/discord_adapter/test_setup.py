"""``/leakdesk setup``: Manage Server only, a private moderator channel, honest warnings."""

from __future__ import annotations

import discord
import pytest
import simcord

from bots.bootstrap import App
from db.venues import VenueConfig
from tests.discord_adapter.conftest import CREATOR, server


async def test_setup_stores_the_binding(env: simcord.Env, app: App) -> None:
    s = await server(env, delete_reported=False)

    assert s.setup_result.ephemeral and s.setup_result.response is not None
    assert f"protects **{CREATOR}**" in s.setup_result.response.content
    assert s.mod_channel is not None
    assert await app.venues.get("discord", str(s.guild.id)) == VenueConfig(
        platform="discord",
        venue_id=str(s.guild.id),
        creator=CREATOR,
        mod_channel_id=str(s.mod_channel.id),
        mod_role_id=str(s.mod_role.id),
        delete_reported=False,
        approved=True,  # the test settings approve bindings at once
    )


async def test_setup_is_for_manage_server_only(env: simcord.Env, app: App) -> None:
    guild = env.create_guild("Open server")
    general = guild.create_text_channel("general")
    member = guild.add_member(env.create_user("member"))

    assert "leakdesk setup" not in member.available_commands(general)
    with pytest.raises(simcord.SetupError):
        await member.slash(general, "leakdesk setup", creator="mallory")

    # even if the server lets everyone see the command, the bot itself refuses
    commands = await env.bot.tree.fetch_commands()
    group = next(c for c in commands if c.name == "leakdesk")
    guild.set_command_permissions(group, {guild.default_role: True})
    result = await member.slash(general, "leakdesk setup", creator="mallory")

    assert result.ephemeral and result.response is not None
    assert "Manage Server" in result.response.content
    assert await app.venues.get("discord", str(guild.id)) is None


async def test_setup_refuses_a_public_moderator_channel(env: simcord.Env, app: App) -> None:
    guild = env.create_guild("Careless")
    general = guild.create_text_channel("general")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user("admin"), roles=[admins])

    result = await admin.slash(general, "leakdesk setup", creator=CREATOR, mod_channel=general)

    assert result.ephemeral and result.response is not None
    assert "visible to everyone" in result.response.content
    assert await app.venues.get("discord", str(guild.id)) is None


async def test_setup_says_what_permissions_are_missing(env: simcord.Env, app: App) -> None:
    s = await server(
        env,
        delete_reported=True,
        bot_overwrite=discord.PermissionOverwrite(view_channel=True, send_messages=False),
        general_overwrite=discord.PermissionOverwrite(manage_messages=False),
    )

    assert s.setup_result.response is not None
    text = s.setup_result.response.content
    assert "I cannot post in" in text and "Send Messages" in text
    assert "Manage Messages" in text
    venue = await app.venues.get("discord", str(s.guild.id))
    assert venue is not None and venue.delete_reported  # stored anyway; the admin was told


async def test_setup_rejects_a_strange_creator_name(env: simcord.Env, app: App) -> None:
    guild = env.create_guild("Odd")
    general = guild.create_text_channel("general")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user("admin"), roles=[admins])

    result = await admin.slash(general, "leakdesk setup", creator="Alice Smith!")

    assert result.response is not None and "a-z" in result.response.content
    assert await app.venues.get("discord", str(guild.id)) is None
