"""Escalation in Discord: a private preview with Confirm, then each form privately with Mark sent.

Translation only: :mod:`handlers.escalation` decides; every message here is ephemeral, so form
values (which hold the links) reach only the moderator who pressed.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, cast

import discord

from bots.discord.replies import (
    NOT_MODERATOR,
    SOMETHING_WENT_WRONG,
    answer,
    answer_safely,
    reply_text,
)
from bots.discord.translate import Caller, resolve_caller
from handlers import render_text
from handlers.escalation import EscalationDone, EscalationPreview, FormRequest, chunks

if TYPE_CHECKING:
    from bots.discord.bot import LeakdeskBot

log = logging.getLogger(__name__)

#: Discord's limit for a message's content is 2000 characters
MESSAGE_LIMIT = 1900
#: how long a preview's Confirm button works
CONFIRM_SECONDS = 900


async def moderator_caller(interaction: discord.Interaction) -> Caller | None:
    """The pressing moderator, or None after refusing (or apologising) privately."""
    try:
        caller = await resolve_caller(cast("LeakdeskBot", interaction.client), interaction)
    except Exception:
        log.exception("escalation button: could not identify the member")
        await answer_safely(interaction, SOMETHING_WENT_WRONG)
        return None
    if not caller.actor.is_moderator:
        log.info("refused an escalation button for a non-moderator")
        await answer(interaction, NOT_MODERATOR)
        return None
    return caller


class ConfirmView(discord.ui.View):
    """Confirm (or Cancel) under a preview; only moderators of the server may press."""

    def __init__(self, platform: str | None) -> None:
        super().__init__(timeout=CONFIRM_SECONDS)
        self.platform = platform
        self.caller: Caller | None = None

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Refuse anyone who is not a moderator (now: roles may have changed)."""
        self.caller = await moderator_caller(interaction)
        return self.caller is not None

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.danger)
    async def confirm(
        self, interaction: discord.Interaction, button: discord.ui.Button[ConfirmView]
    ) -> None:
        """Escalate for real, then hand out the forms privately."""
        assert self.caller is not None
        self.stop()
        bot = cast("LeakdeskBot", interaction.client)
        await interaction.response.defer()  # writing many packets may take a while
        reply = await bot.app.escalation_handlers.escalate(self.caller.actor, self.platform)
        await interaction.edit_original_response(content=reply_text(reply), view=None)
        if isinstance(reply, EscalationDone):
            for form in reply.forms:
                await send_form(interaction, form)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(
        self, interaction: discord.Interaction, button: discord.ui.Button[ConfirmView]
    ) -> None:
        """Drop the preview: nothing is written."""
        self.stop()
        await interaction.response.edit_message(content="Escalation cancelled.", view=None)

    async def on_error(
        self,
        interaction: discord.Interaction,
        error: Exception,
        item: discord.ui.Item[Any],
        /,
    ) -> None:
        """Log and apologise; never show a traceback."""
        log.error("escalation confirm failed", exc_info=error)
        await answer_safely(interaction, SOMETHING_WENT_WRONG)


async def send_preview(
    bot: LeakdeskBot, interaction: discord.Interaction, caller: Caller, platform: str | None
) -> None:
    """Answer privately with what escalating would send, and a Confirm button when it is
    something."""
    reply = await bot.app.escalation_handlers.preview(caller.actor, platform)
    if isinstance(reply, EscalationPreview) and not reply.empty:
        view = ConfirmView(reply.platform)
        await interaction.response.send_message(reply_text(reply), view=view, ephemeral=True)
        return
    await answer(interaction, reply_text(reply))


async def send_form(interaction: discord.Interaction, form: FormRequest) -> None:
    """One form's values as ephemeral follow-ups; the last carries Mark sent."""
    pieces = chunks(render_text(form), MESSAGE_LIMIT)
    for number, piece in enumerate(pieces, start=1):
        if number < len(pieces):
            await interaction.followup.send(piece, ephemeral=True)
            continue
        view = discord.ui.View(timeout=None)
        view.add_item(MarkSentButton(form.request_key))
        await interaction.followup.send(piece, view=view, ephemeral=True)


class MarkSentButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"ld:esc:sent:(?P<key>[0-9a-f]{8,40})",
):
    """Mark sent under a form's values; survives restarts (the id names the request)."""

    def __init__(self, request_key: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Mark sent",
                style=discord.ButtonStyle.success,
                custom_id=f"ld:esc:sent:{request_key}",
            )
        )
        self.request_key = request_key
        self.caller: Caller | None = None

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> MarkSentButton:
        """Rebuild the button from its id."""
        return cls(match["key"])

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Only moderators may mark requests."""
        self.caller = await moderator_caller(interaction)
        return self.caller is not None

    async def callback(self, interaction: discord.Interaction) -> None:
        """Mark the request's escalations sent and say so."""
        assert self.caller is not None
        bot = cast("LeakdeskBot", interaction.client)
        try:
            reply = await bot.app.escalation_handlers.mark_sent(self.caller.actor, self.request_key)
            await answer(interaction, reply_text(reply))
        except Exception:
            log.exception("mark sent %s failed", self.request_key)
            await answer_safely(interaction, SOMETHING_WENT_WRONG)
