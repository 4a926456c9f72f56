"""The command tree: one place where unexpected command errors are logged and apologised for."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bots.discord.replies import SOMETHING_WENT_WRONG, answer_safely
from bots.discord.translate import interaction_language
from handlers.i18n import N_, Texts

if TYPE_CHECKING:
    from bots.discord.bot import LeakdeskBot

log = logging.getLogger(__name__)


class LeakdeskTree(app_commands.CommandTree["LeakdeskBot"]):
    """A command tree whose errors become a short ephemeral apology, never a traceback."""

    async def on_error(
        self, interaction: discord.Interaction[LeakdeskBot], error: app_commands.AppCommandError, /
    ) -> None:
        """Log the failure (command name and ids only) and answer the user privately."""
        command = interaction.command.qualified_name if interaction.command else "?"
        t = Texts(interaction_language(interaction))
        if isinstance(error, app_commands.CheckFailure):
            log.info("command %s refused by a check (interaction %s)", command, interaction.id)
            await answer_safely(interaction, t(N_("Sorry, you cannot use that command here.")))
            return
        log.error("command %s failed (interaction %s)", command, interaction.id, exc_info=error)
        await answer_safely(interaction, t(SOMETHING_WENT_WRONG))
