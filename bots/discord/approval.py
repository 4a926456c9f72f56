"""Approval of a held bulk send in Discord: a request with Approve in the creator's moderator
channels; a second moderator presses it (the id carries the batch: it survives restarts).

Translation only: :mod:`handlers.approval` decides (the requester cannot approve).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast

import discord

from bots.discord.persistent_button import ModeratorButton
from bots.discord.replies import SOMETHING_WENT_WRONG, answer, answer_safely, reply_text
from bots.discord.translate import PLATFORM, Caller
from handlers.approval import SendApproved, approval_request_text
from handlers.escalation import EscalationDone
from handlers.i18n import SOURCE, negotiate
from handlers.moderator_buttons import escalation_label

if TYPE_CHECKING:
    from bots.discord.bot import LeakdeskBot

log = logging.getLogger(__name__)


def approval_text(creator: str, requester: str, mails: int, lang: str | None = None) -> str:
    """The request moderators see (counts only), in the creator's language."""
    return approval_request_text(creator, requester, mails, lang)


class ApproveButton(ModeratorButton, template=r"ld:esc:ok:(?P<batch>[0-9a-f]{8,40})"):
    """Approve a held send; only moderators may press, and not the one who asked."""

    log_name = "approve"

    def __init__(self, batch: str, lang: str = SOURCE) -> None:
        super().__init__(
            escalation_label("approve", lang), discord.ButtonStyle.success, batch=batch
        )
        self.batch = batch

    async def callback(self, interaction: discord.Interaction) -> None:
        """Approve; on success the request shows who approved, without its button."""
        assert self.caller is not None
        bot = cast("LeakdeskBot", interaction.client)
        try:
            reply = await bot.app.approval_handlers.approve(self.caller.actor, self.batch)
            if isinstance(reply, SendApproved):
                content = f"{interaction.message.content if interaction.message else ''}\n"
                await interaction.response.edit_message(
                    content=content + reply_text(reply), view=None
                )
                return
            await answer(interaction, reply_text(reply))
        except Exception:
            log.exception("approve %s failed", self.batch)
            await answer_safely(interaction, SOMETHING_WENT_WRONG)


async def request_approval(bot: LeakdeskBot, caller: Caller, done: EscalationDone) -> int:
    """Post the request with Approve in every moderator channel of the creator; how many."""
    actor = caller.actor
    lang = negotiate(await bot.app.creators.language(actor.creator))
    text = approval_text(actor.creator, f"<@{actor.ref.user_id}>", done.held, done.lang or lang)
    posted = 0
    for venue in await bot.app.venues.moderator_venues(PLATFORM, actor.creator):
        assert venue.mod_channel_id is not None
        view = discord.ui.View(timeout=None)
        view.add_item(ApproveButton(done.batch, lang))
        channel = bot.get_partial_messageable(
            int(venue.mod_channel_id), guild_id=int(venue.venue_id), type=discord.ChannelType.text
        )
        try:
            await channel.send(text, view=view)
            posted += 1
        except discord.HTTPException as err:
            log.warning(
                "could not ask for approval in %s: %s", venue.mod_channel_id, type(err).__name__
            )
    return posted
