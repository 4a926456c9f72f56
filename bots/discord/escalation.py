"""Escalation in Discord: a private preview with Confirm, then each form privately with Mark sent.

Translation only: :mod:`handlers.escalation` decides; every message here is ephemeral, so form
values (which hold the links) reach only the moderator who pressed.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, cast

import discord

from bots.discord.approval import request_approval
from bots.discord.persistent_button import ModeratorButton, PersistentButton
from bots.discord.replies import SOMETHING_WENT_WRONG, answer, answer_safely, reply_text
from bots.discord.translate import Caller, interaction_language
from handlers import render_text
from handlers.escalation import EscalationDone, EscalationPreview, FormRequest, chunks
from handlers.i18n import N_, SOURCE, Texts
from handlers.moderator_buttons import escalation_label

if TYPE_CHECKING:
    from bots.discord.bot import LeakdeskBot

log = logging.getLogger(__name__)

#: Discord's limit for a message's content is 2000 characters
MESSAGE_LIMIT = 1900
#: the platform part of Confirm's id when the preview covers every platform
ALL = "*"


class ConfirmButton(ModeratorButton, template=r"ld:esc:go:(?P<platform>[a-z0-9_.*-]{1,40})"):
    """Confirm under a preview; the id carries the platform, so it survives restarts. Only
    moderators may press (checked now: roles may have changed)."""

    log_name = "escalation button"

    def __init__(self, platform: str | None, lang: str = SOURCE) -> None:
        super().__init__(
            escalation_label("go", lang), discord.ButtonStyle.danger, platform=platform or ALL
        )
        self.platform = platform

    @classmethod
    def from_match(cls, match: re.Match[str]) -> ConfirmButton:
        """Rebuild the button from its id (``*``: every platform)."""
        return cls(None if match["platform"] == ALL else match["platform"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Escalate for real, hand out the forms privately, and ask for a second moderator's
        approval when mails are held."""
        assert self.caller is not None
        bot = cast("LeakdeskBot", interaction.client)
        try:
            await interaction.response.defer()  # writing many packets may take a while
            reply = await bot.app.escalation_handlers.escalate(self.caller.actor, self.platform)
            await interaction.edit_original_response(content=reply_text(reply), view=None)
            if isinstance(reply, EscalationDone):
                for form in reply.forms:
                    await send_form(interaction, form, self.caller.lang)
                if reply.held and reply.batch:
                    await request_approval(bot, self.caller, reply)
        except Exception:
            log.exception("escalation confirm failed")
            await answer_safely(interaction, SOMETHING_WENT_WRONG)


class CancelButton(PersistentButton, template=r"ld:esc:no"):
    """Cancel under a preview: nothing is written."""

    def __init__(self, lang: str = SOURCE) -> None:
        super().__init__(escalation_label("cancel", lang), discord.ButtonStyle.secondary)

    async def callback(self, interaction: discord.Interaction) -> None:
        """Drop the preview."""
        text = Texts(interaction_language(interaction))(CANCELLED)
        await interaction.response.edit_message(content=text, view=None)


CANCELLED = N_("Escalation cancelled.")


def confirm_view(platform: str | None, lang: str = SOURCE) -> discord.ui.View:
    """Confirm / Cancel under a preview, labelled in ``lang`` (persistent: registered at
    start)."""
    view = discord.ui.View(timeout=None)
    view.add_item(ConfirmButton(platform, lang))
    view.add_item(CancelButton(lang))
    return view


async def send_preview(
    bot: LeakdeskBot, interaction: discord.Interaction, caller: Caller, platform: str | None
) -> None:
    """Answer privately with what escalating would send, and a Confirm button when it is
    something."""
    reply = await bot.app.escalation_handlers.preview(caller.actor, platform)
    if isinstance(reply, EscalationPreview) and not reply.empty:
        view = confirm_view(reply.platform, caller.lang)  # private: the moderator's language
        await interaction.response.send_message(reply_text(reply), view=view, ephemeral=True)
        return
    await answer(interaction, reply_text(reply))


async def send_form(
    interaction: discord.Interaction, form: FormRequest, lang: str = SOURCE
) -> None:
    """One form's values as ephemeral follow-ups; the last carries Mark sent (in ``lang``)."""
    pieces = chunks(render_text(form), MESSAGE_LIMIT)
    for number, piece in enumerate(pieces, start=1):
        if number < len(pieces):
            await interaction.followup.send(piece, ephemeral=True)
            continue
        view = discord.ui.View(timeout=None)
        view.add_item(MarkSentButton(form.request_key, lang))
        await interaction.followup.send(piece, view=view, ephemeral=True)


class MarkSentButton(ModeratorButton, template=r"ld:esc:sent:(?P<key>[0-9a-f]{8,40})"):
    """Mark sent under a form's values; survives restarts (the id names the request). Only
    moderators may mark requests."""

    log_name = "escalation button"

    def __init__(self, request_key: str, lang: str = SOURCE) -> None:
        super().__init__(
            escalation_label("sent", lang), discord.ButtonStyle.success, key=request_key
        )
        self.request_key = request_key

    @classmethod
    def from_match(cls, match: re.Match[str]) -> MarkSentButton:
        """Rebuild the button from its id."""
        return cls(match["key"])

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
