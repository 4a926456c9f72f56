"""What fans use: ``/report``, the "Report leak" message menu, ``/status`` and ``/privacy``.

Every answer is ephemeral and never repeats the reported link.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str
from discord.app_commands import locale_str as _T
from discord.ext import commands

from bots.discord.alerts import MANAGE_MESSAGES
from bots.discord.replies import (
    SOMETHING_WENT_WRONG,
    answer,
    answer_safely,
    fully_recorded,
    reply_text,
)
from bots.discord.translate import (
    PLATFORM,
    Caller,
    interaction_language,
    is_media,
    message_links,
    option_links,
    read_attachments,
    resolve_caller,
    skipped_note,
    submission_id,
)
from bots.discord.watch import with_offer
from core.model import Origin
from handlers import IncomingMessage, ReplyType, ReportReceived
from handlers.i18n import N_, Texts

if TYPE_CHECKING:
    from bots.discord.bot import LeakdeskBot

log = logging.getLogger(__name__)

REPORT_MENU = "Report leak"
NOTHING_TO_REPORT = N_(
    "I found no link, picture or video in that message, so there is nothing to report."
)


@dataclass(frozen=True)
class Submitted:
    """The neutral reply to a report and the files left out of it."""

    reply: ReplyType
    skipped: list[str]

    @property
    def fully_recorded(self) -> bool:
        """Everything in the reported message was recorded (see :func:`fully_recorded`)."""
        return fully_recorded(self.reply, self.skipped)


async def submit(
    bot: LeakdeskBot,
    interaction: discord.Interaction,
    caller: Caller,
    *,
    links: list[str],
    files: Sequence[discord.Attachment],
    origin: Origin,
    note: str = "",
    anonymous: bool = False,
) -> Submitted:
    """Read the files into memory, hand the report to the core and answer the fan privately."""
    attachments, skipped = await read_attachments(files, bot.settings.fetch_max_bytes)
    message = IncomingMessage(
        actor=caller.actor,
        attachments=attachments,
        origin=origin,
        anonymous=anonymous,
        note=note,
        submission_id=submission_id(
            interaction.application_id, interaction.channel_id, interaction.user.id, interaction.id
        ),
        # the server's own rate window (a DM has none: its creator's and the global ones count)
        place=f"{PLATFORM}:{interaction.guild_id}" if interaction.guild_id else None,
    )
    reply = await bot.app.handlers.report(message, links)
    name = ""
    if isinstance(reply, ReportReceived):
        codes = ", ".join(o.case_code for o in reply.outcomes)
        log.info("report via %s in guild %s: %s", origin.value, interaction.guild_id, codes)
        name = await bot.app.creators.display_name(caller.actor.creator)
    lang = caller.lang
    text, view = with_offer(
        bot,
        reply,
        reply_text(reply, skipped_note(skipped, lang), creator_name=name, lang=lang),
        lang,
    )
    await answer(interaction, text, view=view)  # with "tell me when it's down"
    return Submitted(reply, skipped)


class ReportNoteModal(discord.ui.Modal, title="Report leak"):
    """The optional note of a "Report leak"; the report is made when the fan submits."""

    note: discord.ui.TextInput[ReportNoteModal] = discord.ui.TextInput(
        label="Note for the moderators (optional)",
        custom_id="note",
        style=discord.TextStyle.paragraph,
        required=False,
        max_length=1000,
    )

    def __init__(
        self,
        bot: LeakdeskBot,
        target: discord.Message,
        links: list[str],
        files: list[discord.Attachment],
    ) -> None:
        super().__init__(timeout=600)
        self.bot = bot
        self.target = target
        self.links = links
        self.files = files

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        """Report every link and file of the target message, then maybe delete it."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        caller = await resolve_caller(self.bot, interaction)
        result = await submit(
            self.bot,
            interaction,
            caller,
            links=self.links,
            files=self.files,
            origin=Origin.CONTEXT_MENU,
            note=self.note.value or "",
        )
        if caller.venue is None or not caller.venue.delete_reported:
            return
        if result.fully_recorded:
            await self._delete_target(interaction)
        else:
            log.info("reported message %s kept: not everything in it was recorded", self.target.id)

    async def _delete_target(self, interaction: discord.Interaction) -> None:
        try:
            await self.target.delete()
            log.info("deleted reported message %s", self.target.id)
        except discord.Forbidden:
            log.warning("missing Manage Messages to delete message %s", self.target.id)
            assert interaction.guild_id is not None
            await self.bot.alerts.notify(
                interaction.guild_id,
                MANAGE_MESSAGES,
                "leakdesk is set to delete reported messages in your server, but I lack the "
                "Manage Messages permission, so reported messages stay visible. Grant it, or "
                "turn deletion off with /leakdesk setup.",
            )
        except discord.HTTPException as err:
            log.warning("could not delete message %s: %s", self.target.id, type(err).__name__)

    async def on_error(  # type: ignore[override]  # discord.py's Modal signature
        self, interaction: discord.Interaction, error: Exception, /
    ) -> None:
        """Log and apologise; never show a traceback."""
        log.error("report modal failed (interaction %s)", interaction.id, exc_info=error)
        await answer_safely(interaction, Texts(interaction_language(interaction))(
            SOMETHING_WENT_WRONG
        ))


class FanCommands(commands.Cog):
    """Reporting and follow-up for everyone (servers and DMs)."""

    def __init__(self, bot: LeakdeskBot) -> None:
        self.bot = bot
        self.report_menu = app_commands.ContextMenu(
            name=locale_str(REPORT_MENU),
            callback=self.report_message,
            allowed_contexts=app_commands.AppCommandContext(guild=True),
        )

    async def cog_load(self) -> None:
        """Context menus cannot live in a cog's body; register it on the tree."""
        self.bot.tree.add_command(self.report_menu)

    async def cog_unload(self) -> None:
        """Remove the context menu with the cog."""
        self.bot.tree.remove_command(self.report_menu.name, type=self.report_menu.type)

    @app_commands.command(
        name=locale_str("report"),
        description=_T("Report a leaked or faked intimate image; only you see the reply"),
    )
    @app_commands.describe(
        link=_T("Link to the leak (it is never reposted)"),
        image=_T("A screenshot or the picture itself"),
        note=_T("Anything the moderators should know"),
        anonymous=_T("Hide your account from the moderators too"),
    )
    @app_commands.rename(
        link=locale_str("link"),
        image=locale_str("image"),
        note=locale_str("note"),
        anonymous=locale_str("anonymous"),
    )
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
    async def report(
        self,
        interaction: discord.Interaction,
        link: app_commands.Range[str, 1, 4000] | None = None,
        image: discord.Attachment | None = None,
        note: app_commands.Range[str, 0, 1000] | None = None,
        anonymous: bool = False,
    ) -> None:
        """``/report link:<url> [image] [note] [anonymous]``."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        caller = await resolve_caller(self.bot, interaction)
        await submit(
            self.bot,
            interaction,
            caller,
            links=option_links(link),
            files=[image] if image else [],
            origin=Origin.COMMAND,
            note=note or "",
            anonymous=anonymous,
        )

    async def report_message(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        """Message menu "Report leak": every link and file of a message, after an optional note."""
        links = message_links(message)
        if not links and not any(is_media(a) for a in message.attachments):
            await answer(interaction, Texts(interaction_language(interaction))(NOTHING_TO_REPORT))
            return
        modal = ReportNoteModal(self.bot, message, links, list(message.attachments))
        await interaction.response.send_modal(modal)

    @app_commands.command(
        name=locale_str("status"), description=_T("Where a case stands; only you see the reply")
    )
    @app_commands.describe(code=_T("The case code you were given, like LD-7KQ2MX"))
    @app_commands.rename(code=locale_str("code"))
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
    async def status(
        self, interaction: discord.Interaction, code: app_commands.Range[str, 1, 20]
    ) -> None:
        """``/status code:<LD-…>``."""
        caller = await resolve_caller(self.bot, interaction)
        reply = await self.bot.app.handlers.status(caller.actor, code)
        await answer(interaction, reply_text(reply, lang=caller.lang))

    @app_commands.command(
        name=locale_str("forget"),
        description=_T("Delete what ties you to your reports; only you see the reply"),
    )
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
    async def forget(self, interaction: discord.Interaction) -> None:
        """``/forget``: delete the fan's reporter row, choices, requests and rate windows."""
        caller = await resolve_caller(self.bot, interaction)
        reply = await self.bot.app.handlers.forget(caller.actor)
        await answer(interaction, reply_text(reply, lang=caller.lang))

    @app_commands.command(
        name=locale_str("privacy"), description=_T("What leakdesk keeps and who sees it")
    )
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
    async def privacy(self, interaction: discord.Interaction) -> None:
        """``/privacy``."""
        caller = await resolve_caller(self.bot, interaction)
        reply = await self.bot.app.handlers.privacy(caller.actor)
        await answer(interaction, reply_text(reply, lang=caller.lang))
