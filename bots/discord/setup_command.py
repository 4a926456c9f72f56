"""``/leakdesk setup``: bind a server to the creator it protects (Manage Server only)."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bots.discord.privacy import visible_to_everyone
from bots.discord.replies import answer
from bots.discord.translate import PLATFORM
from core.errors import UnknownCreator
from db.venues import VenueConfig

if TYPE_CHECKING:
    from bots.discord.bot import LeakdeskBot

log = logging.getLogger(__name__)

CREATOR_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
NEEDS_MANAGE_SERVER = "Sorry, only members with the Manage Server permission can set up leakdesk."
EVERYONE_ROLE = (
    "The moderator role cannot be @everyone: every member would see the reported links and "
    "could dismiss cases. Pick a role only your moderators hold."
)
POST_PERMISSIONS = ("view_channel", "send_messages", "embed_links")
UNKNOWN_CREATOR = (
    "There is no creator called **{slug}** here, so nothing was set up. Creators are created "
    "by the leakdesk operator: ask them to run `leakdesk creator add {slug}`, then run "
    "`/leakdesk setup` again."
)


def _channel_problems(guild: discord.Guild, channel: discord.TextChannel) -> tuple[str | None, str]:
    """(refusal, warning) for a moderator channel: it must be private and writable by the bot."""
    if visible_to_everyone(guild, channel):
        return (
            f"{channel.mention} is visible to everyone. Reported links are posted in the "
            "moderator channel, so pick a private channel (hidden from @everyone).",
            "",
        )
    mine = channel.permissions_for(guild.me)
    missing = [n.replace("_", " ").title() for n in POST_PERMISSIONS if not getattr(mine, n)]
    if missing:
        return None, f"I cannot post in {channel.mention} yet: I need {', '.join(missing)} there."
    return None, ""


class LeakdeskGroup(
    app_commands.Group,
    name="leakdesk",
    description="leakdesk server settings",
    guild_only=True,
    default_permissions=discord.Permissions(manage_guild=True),
):
    """``/leakdesk …`` commands for server admins."""

    def __init__(self, bot: LeakdeskBot) -> None:
        super().__init__()
        self.bot = bot

    @app_commands.command(
        name="setup",
        description="Moderator channel, moderator role and the creator this server protects",
    )
    @app_commands.describe(
        creator="Short name of the creator this server protects, e.g. 'alice'",
        mod_channel="Private channel where new cases (with their links) appear",
        mod_role="Members with this role may work the queue",
        delete_reported="Delete a message once it is reported (needs Manage Messages)",
    )
    async def setup(
        self,
        interaction: discord.Interaction,
        creator: app_commands.Range[str, 1, 64],
        mod_channel: discord.TextChannel | None = None,
        mod_role: discord.Role | None = None,
        delete_reported: bool = False,
    ) -> None:
        """Store the binding with ``app.venues.bind`` and say what still needs fixing."""
        guild = interaction.guild
        if guild is None or not interaction.permissions.manage_guild:
            await answer(interaction, NEEDS_MANAGE_SERVER)
            return
        slug = creator.strip().lower()
        if not CREATOR_SLUG.fullmatch(slug):
            await answer(interaction, "The creator name may use only a-z, 0-9, '-' and '_'.")
            return
        if mod_role is not None and mod_role.is_default():
            await answer(interaction, EVERYONE_ROLE)
            return
        warnings: list[str] = []
        if mod_channel is not None:
            channel = guild.get_channel(mod_channel.id)
            if not isinstance(channel, discord.TextChannel):
                await answer(interaction, "The moderator channel must be a text channel.")
                return
            refusal, warning = _channel_problems(guild, channel)
            if refusal:
                await answer(interaction, refusal)
                return
            if warning:
                warnings.append(warning)
        can_delete = (
            guild.me.guild_permissions.manage_messages
            and interaction.app_permissions.manage_messages
        )
        if delete_reported and not can_delete:
            warnings.append(
                "Deleting reported messages needs the Manage Messages permission, which I do not "
                "have: until you grant it, reported messages stay up."
            )
        config = VenueConfig(
            platform=PLATFORM,
            venue_id=str(guild.id),
            creator=slug,
            mod_channel_id=str(mod_channel.id) if mod_channel else None,
            mod_role_id=str(mod_role.id) if mod_role else None,
            delete_reported=delete_reported,
        )
        try:
            config = await self.bot.app.venues.bind(config)
        except UnknownCreator:  # never created by a server's own setup (issue 11)
            log.info("guild %s: setup named a creator nobody created", guild.id)
            await answer(interaction, UNKNOWN_CREATOR.format(slug=slug))
            return
        if config.mod_channel_id and not config.approved:
            warnings.append(
                f"Case cards (with links) appear in the moderator channel once the leakdesk "
                f"operator approves this server: `leakdesk venues approve discord {guild.id}`."
            )
        self.bot.alerts.reset(guild.id, contact_id=interaction.user.id)
        log.info("guild %s bound to creator %s", guild.id, slug)
        await answer(interaction, "\n".join([_summary(config), *warnings]))


def _summary(config: VenueConfig) -> str:
    channel = (
        f"<#{config.mod_channel_id}>"
        if config.mod_channel_id
        else "none (cases appear in the creator's other servers)"
    )
    role = f"<@&{config.mod_role_id}>" if config.mod_role_id else "none (Manage Server only)"
    return (
        f"leakdesk is set up: this server protects **{config.creator}**.\n"
        f"Moderator channel: {channel}\nModerator role: {role}\n"
        f"Delete reported messages: {'on' if config.delete_reported else 'off'}"
    )
