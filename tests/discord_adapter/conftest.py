"""A simulated Discord (simcord) around the real bot and a real database.

``server()`` builds a guild the way an admin would: a private moderator channel, a moderator
role, members, and ``/leakdesk setup`` run through the real command.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import discord
import pytest
import simcord
from simcord import ChannelHandle, GuildHandle, MemberActor, RoleHandle

from bots.bootstrap import App, build_app
from bots.discord import create_bot
from core.settings import Settings
from tests.conftest import make_settings

CREATOR = "alice"
LINK = "https://x.com/leaker/status/1234567890"
SAME_LINK_OTHER_SPELLING = "https://twitter.com/leaker/status/1234567890?s=20"
#: how moderators see both: the canonical form
SHOWN_LINK = "https://x.com/i/status/1234567890"


async def start_app(settings: Settings) -> App:
    """A wired app whose writer tasks are owned by the test, not by a bot event."""
    return await build_app(settings)  # build_app starts the writers, outside any bot event


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker that changes the app's settings for one test."""
    config.addinivalue_line(
        "markers", "leakdesk_settings(**overrides): Settings overrides for the app fixture"
    )


@pytest.fixture(params=["sqlite"])
def db_url(request: pytest.FixtureRequest) -> str:
    """SQLite by default; parametrize indirectly with "postgres" for the PostgreSQL variant."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
async def app(db_url: str, request: pytest.FixtureRequest) -> AsyncIterator[App]:
    """A wired application on a fresh database (settings from ``leakdesk_settings``)."""
    marker = request.node.get_closest_marker("leakdesk_settings")
    # never the network; pictures hashed on a thread (simcord's virtual clock stops
    # multiprocessing's waits, so no worker processes here)
    overrides = {"fetch_media": False, "media_workers": 0, **(marker.kwargs if marker else {})}
    application = await start_app(make_settings(db_url, **overrides))
    yield application
    await application.close()


@pytest.fixture
def simcord_bot(app: App) -> discord.Client:
    """The bot under test for simcord's ``simcord_env`` fixture (built, not connected)."""
    return create_bot(app.settings, app, shard_count=1)


@pytest.fixture
def env(simcord_env: simcord.Env) -> simcord.Env:
    """The running simulated Discord (simcord fails the test on errors the bot swallowed)."""
    return simcord_env


@dataclass
class Server:
    """A Discord server protected by leakdesk, with its people and channels."""

    guild: GuildHandle
    general: ChannelHandle
    mod_channel: ChannelHandle | None
    mod_role: RoleHandle
    admin: MemberActor
    mod: MemberActor
    fan: MemberActor
    helper: MemberActor  # may read the moderator channel, but is not a moderator
    setup_result: simcord.InteractionResult


async def server(
    env: simcord.Env,
    name: str = "Alice fans",
    *,
    creator: str = CREATOR,
    mod_channel: bool = True,
    delete_reported: bool = False,
    bot_overwrite: discord.PermissionOverwrite | None = None,
    general_overwrite: discord.PermissionOverwrite | None = None,
) -> Server:
    """Create a guild and run ``/leakdesk setup`` in it as its admin."""
    guild = env.create_guild(name)
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    mods = guild.create_role("Mods")
    helpers = guild.create_role("Helpers")
    assert guild.me is not None
    general = guild.create_text_channel(
        "general", overwrites={guild.me: general_overwrite} if general_overwrite else None
    )
    private = None
    if mod_channel:
        private = guild.create_text_channel(
            "leak-mods",
            overwrites={
                guild.default_role: discord.PermissionOverwrite(view_channel=False),
                mods: discord.PermissionOverwrite(view_channel=True),
                admins: discord.PermissionOverwrite(view_channel=True),
                helpers: discord.PermissionOverwrite(view_channel=True),
                guild.me: bot_overwrite or discord.PermissionOverwrite(view_channel=True),
            },
        )
    admin = guild.add_member(env.create_user(f"{name} admin"), roles=[admins])
    mod = guild.add_member(env.create_user(f"{name} mod"), roles=[mods])
    fan = guild.add_member(env.create_user(f"{name} fan"))
    helper = guild.add_member(env.create_user(f"{name} helper"), roles=[helpers])
    options: dict[str, object] = {"creator": creator, "mod_role": mods}
    if private is not None:
        options["mod_channel"] = private
    if delete_reported:
        options["delete_reported"] = True
    result = await admin.slash(general, "leakdesk setup", **options)
    return Server(guild, general, private, mods, admin, mod, fan, helper, result)


def bot_messages(channel: ChannelHandle, env: simcord.Env) -> list[discord.Message]:
    """Messages the bot posted in a channel that everyone with access can see (not ephemeral)."""
    assert env.bot.user is not None
    return [m for m in channel.history() if m.author.id == env.bot.user.id]


def case_posts(server: Server, env: simcord.Env, code: str) -> list[discord.Message]:
    """The moderator-channel messages announcing case ``code``."""
    assert server.mod_channel is not None
    return [
        m
        for m in bot_messages(server.mod_channel, env)
        if m.embeds and code in (m.embeds[0].title or "")
    ]


def field(embed: discord.Embed, name: str) -> str | None:
    """The value of an embed field by name."""
    return next((f.value for f in embed.fields if f.name == name), None)
