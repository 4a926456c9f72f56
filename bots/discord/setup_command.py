"""``/leakdesk setup``: bind a server to the creator it protects (Manage Server only)."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str
from discord.app_commands import locale_str as _T

from bots.discord.privacy import visible_to_everyone
from bots.discord.replies import answer
from bots.discord.translate import PLATFORM, interaction_language
from core.errors import UnknownCreator
from db.venues import VenueConfig
from handlers.i18n import N_, SOURCE, Texts

if TYPE_CHECKING:
    from bots.discord.bot import LeakdeskBot

log = logging.getLogger(__name__)

CREATOR_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
NEEDS_MANAGE_SERVER = N_(
    "Sorry, only members with the Manage Server permission can set up leakdesk."
)
BAD_SLUG = N_("The creator name may use only a-z, 0-9, '-' and '_'.")
EVERYONE_ROLE = N_(
    "The moderator role cannot be @everyone: every member would see the reported links and "
    "could dismiss cases. Pick a role only your moderators hold."
)
NOT_TEXT_CHANNEL = N_("The moderator channel must be a text channel.")
PUBLIC_CHANNEL = N_(
    "%(channel)s is visible to everyone. Reported links are posted in the moderator channel, "
    "so pick a private channel (hidden from @everyone)."
)
CANNOT_POST = N_("I cannot post in %(channel)s yet: I need %(permissions)s there.")
CANNOT_DELETE = N_(
    "Deleting reported messages needs the Manage Messages permission, which I do not have: "
    "until you grant it, reported messages stay up."
)
UNKNOWN_CREATOR = N_(
    "There is no creator called **%(slug)s** here, so nothing was set up. Creators are created "
    "by the leakdesk operator: ask them to run `leakdesk creator add %(slug)s`, then run "
    "`/leakdesk setup` again."
)
AWAITS_APPROVAL = N_(
    "Case cards (with links) appear in the moderator channel once the leakdesk operator "
    "approves this server: `leakdesk venues approve discord %(guild)s`."
)
#: the bot's rights in the moderator channel, as Discord's settings name them
POST_PERMISSIONS = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
}


def _channel_problems(
    guild: discord.Guild, channel: discord.TextChannel, lang: str = SOURCE
) -> tuple[str | None, str]:
    """(refusal, warning) for a moderator channel: it must be private and writable by the bot."""
    t = Texts(lang)
    if visible_to_everyone(guild, channel):
        return t(PUBLIC_CHANNEL, channel=channel.mention), ""
    mine = channel.permissions_for(guild.me)
    missing = [shown for name, shown in POST_PERMISSIONS.items() if not getattr(mine, name)]
    if missing:
        return None, t(CANNOT_POST, channel=channel.mention, permissions=", ".join(missing))
    return None, ""


class LeakdeskGroup(
    app_commands.Group,
    name="leakdesk",
    description=_T("leakdesk server settings"),
    guild_only=True,
    default_permissions=discord.Permissions(manage_guild=True),
):
    """``/leakdesk …`` commands for server admins."""

    def __init__(self, bot: LeakdeskBot) -> None:
        super().__init__()
        self.bot = bot

    @app_commands.command(
        name=locale_str("setup"),
        description=_T("Moderator channel, moderator role and the creator this server protects"),
    )
    @app_commands.describe(
        creator=_T("Short name of the creator this server protects, e.g. 'alice'"),
        mod_channel=_T("Private channel where new cases (with their links) appear"),
        mod_role=_T("Members with this role may work the queue"),
        delete_reported=_T("Delete a message once it is reported (needs Manage Messages)"),
    )
    @app_commands.rename(
        creator=locale_str("creator"),
        mod_channel=locale_str("mod_channel"),
        mod_role=locale_str("mod_role"),
        delete_reported=locale_str("delete_reported"),
    )
    async def setup(
        self,
        interaction: discord.Interaction,
        creator: app_commands.Range[str, 1, 64],
        mod_channel: discord.TextChannel | None = None,
        mod_role: discord.Role | None = None,
        delete_reported: bool = False,
    ) -> None:
        """Store the binding with ``app.venues.bind`` and say what still needs fixing (in the
        admin's Discord language)."""
        lang = interaction_language(interaction)
        t = Texts(lang)
        guild = interaction.guild
        if guild is None or not interaction.permissions.manage_guild:
            await answer(interaction, t(NEEDS_MANAGE_SERVER))
            return
        slug = creator.strip().lower()
        if not CREATOR_SLUG.fullmatch(slug):
            await answer(interaction, t(BAD_SLUG))
            return
        if mod_role is not None and mod_role.is_default():
            await answer(interaction, t(EVERYONE_ROLE))
            return
        warnings: list[str] = []
        if mod_channel is not None:
            channel = guild.get_channel(mod_channel.id)
            if not isinstance(channel, discord.TextChannel):
                await answer(interaction, t(NOT_TEXT_CHANNEL))
                return
            refusal, warning = _channel_problems(guild, channel, lang)
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
            warnings.append(t(CANNOT_DELETE))
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
            await answer(interaction, t(UNKNOWN_CREATOR, slug=slug))
            return
        if config.mod_channel_id and not config.approved:
            warnings.append(t(AWAITS_APPROVAL, guild=guild.id))
        self.bot.alerts.reset(guild.id, contact_id=interaction.user.id)
        log.info("guild %s bound to creator %s", guild.id, slug)
        await answer(interaction, "\n".join([_summary(config, lang), *warnings]))


def _summary(config: VenueConfig, lang: str = SOURCE) -> str:
    """What the server is now set up as, in ``lang``."""
    t = Texts(lang)
    channel = (
        f"<#{config.mod_channel_id}>"
        if config.mod_channel_id
        else t("none (cases appear in the creator's other servers)")
    )
    role = f"<@&{config.mod_role_id}>" if config.mod_role_id else t("none (Manage Server only)")
    return t(
        "leakdesk is set up: this server protects **%(creator)s**.\n"
        "Moderator channel: %(channel)s\nModerator role: %(role)s\n"
        "Delete reported messages: %(delete)s",
        creator=config.creator,
        channel=channel,
        role=role,
        delete=t("on") if config.delete_reported else t("off"),
    )
